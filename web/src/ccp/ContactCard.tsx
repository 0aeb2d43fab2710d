import { Badge, Button, Card, Divider, Group, Stack, Text } from '@mantine/core';
import type { AgentClient, ContactState, Softphone } from '../agent-client';
import { useNow } from './agent';
import { AcwPanel } from './AcwPanel';
import { Attributes } from './Attributes';
import { ChatPanel } from './ChatPanel';
import { TransferPanel } from './TransferPanel';
import { VoiceControls } from './VoiceControls';
import { clock, secondsSince } from './time';

const STATE_LABEL: Record<string, string> = {
  Pending: 'Offered',
  Connected: 'Connected',
  Ended: 'Ended',
  AfterContactWork: 'After-contact work',
};

// ContactCard is one contact the agent is with (or wrapping up): its screen
// pop, the chat or the call controls, transfer, hang up, and after-contact
// work.
export function ContactCard({ client, phone, contact, run, onError }: {
  client: AgentClient;
  phone: Softphone;
  contact: ContactState;
  run: (label: string, f: () => Promise<unknown> | void) => void;
  onError: (msg: string) => void;
}) {
  const now = useNow(1000);
  const id = contact.contactId;
  const voice = contact.channel === 'VOICE';
  const chat = contact.channel === 'CHAT';
  const connected = contact.state === 'Connected';
  const name = contact.attributes.customerName || contact.attributes.name || (voice ? 'Caller' : 'Customer');
  return (
    <Card withBorder shadow="xs" data-testid={`contact-${id}`} data-contact-id={id} data-state={contact.state} data-channel={contact.channel}>
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <div>
            <Text fw={700}>{name}</Text>
            <Text size="xs" c="dimmed">{contact.channel} · {contact.personalQueue ? 'personal queue' : contact.queueId ?? ''} · {id}</Text>
          </div>
          <Group gap={6}>
            {contact.onHold && <Badge color="orange" data-testid="on-hold">On hold</Badge>}
            {contact.muted && <Badge color="orange" data-testid="muted">Muted</Badge>}
            <Badge variant="light" data-testid="contact-state">
              {STATE_LABEL[contact.state] ?? contact.state}
              {connected ? ` ${clock(secondsSince(contact.since, now))}` : ''}
            </Badge>
          </Group>
        </Group>
        <Attributes attributes={contact.attributes} />
        {chat && <ChatPanel client={client} contact={contact} onError={onError} />}
        {voice && connected && <VoiceControls client={client} phone={phone} contact={contact} run={run} />}
        {connected && (
          <>
            <Divider label="Transfer" labelPosition="left" />
            <TransferPanel client={client} contact={contact} run={run} />
            <Button color="red" onClick={() => run('endContact', () => client.endContact(id))} data-testid="hangup">
              {voice ? 'Hang up' : 'End chat'}
            </Button>
          </>
        )}
        {contact.state === 'Ended' && <Text size="sm" c="dimmed">The contact ended.</Text>}
        {contact.state === 'AfterContactWork' && <AcwPanel contact={contact} onComplete={(notes) => client.completeAcw(id, notes)} />}
      </Stack>
    </Card>
  );
}
