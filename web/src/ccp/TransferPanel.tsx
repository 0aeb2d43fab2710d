import { useState } from 'react';
import { Alert, Button, Group, NativeSelect, Stack, Text, TextInput } from '@mantine/core';
import type { AgentClient, ConsultTarget, ContactState, TransferTarget } from '../agent-client';

type Kind = 'queueId' | 'agentId' | 'quickConnectId' | 'flowId' | 'phoneNumber';

const KINDS: { value: Kind; label: string }[] = [
  { value: 'quickConnectId', label: 'Quick connect ID' },
  { value: 'queueId', label: 'Queue ID' },
  { value: 'agentId', label: 'Agent ID' },
  { value: 'phoneNumber', label: 'Phone number' },
  { value: 'flowId', label: 'Flow ID or name' },
];

// TransferPanel transfers a contact, and for calls consults (warm
// transfer), conferences or cancels the consultation. The agent API has no
// way to list quick connects (the quick-connects route needs an admin API
// key), so the target is typed: a quick connect, queue or agent ID, a phone
// number or (transfer only) a flow.
export function TransferPanel({ client, contact, run }: {
  client: AgentClient;
  contact: ContactState;
  run: (label: string, f: () => Promise<unknown>) => void;
}) {
  const voice = contact.channel === 'VOICE';
  const [kind, setKind] = useState<Kind>('quickConnectId');
  const [target, setTarget] = useState('');
  const kinds = KINDS.filter((k) => voice || k.value !== 'phoneNumber');
  const t = target.trim();
  const id = contact.contactId;
  const consult = contact.consult;
  return (
    <Stack gap="xs">
      <Group gap="xs" align="flex-end" wrap="wrap">
        <NativeSelect label="Target" size="xs" data={kinds} value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}
          data-testid="transfer-kind" w={160} />
        <TextInput label="ID / number" size="xs" value={target} onChange={(e) => setTarget(e.currentTarget.value)}
          data-testid="transfer-target" w={180} />
        <Button size="xs" disabled={!t} data-testid="transfer"
          onClick={() => run('transfer', () => client.transfer(id, { [kind]: t } as TransferTarget))}>
          Transfer
        </Button>
        {voice && !consult && (
          <Button size="xs" variant="light" disabled={!t || kind === 'flowId'} data-testid="consult"
            onClick={() => run('consult', () => client.consult(id, { [kind]: t } as ConsultTarget))}>
            Consult
          </Button>
        )}
      </Group>
      {voice && consult && (
        <Stack gap={4} data-testid="consult-panel">
          <Text size="sm">
            {consult.conference ? 'Conference with ' : 'Consulting '}
            {Object.values(consult.target)[0]}
            {consult.nextContactId ? ` (${consult.nextContactId})` : ''}
          </Text>
          {consult.failed && (
            <Alert color="orange" p="xs" data-testid="consult-failed">
              The consultation failed ({consult.failed}); the caller is still on hold.
            </Alert>
          )}
          <Group gap="xs">
            {!consult.conference && !consult.failed && (
              <Button size="xs" data-testid="conference" onClick={() => run('conference', () => client.conference(id))}>
                Conference
              </Button>
            )}
            <Button size="xs" variant="light" color="red" data-testid="cancel-consult"
              onClick={() => run('cancelConsult', () => client.cancelConsult(id))}>
              Cancel consult
            </Button>
          </Group>
          <Text size="xs" c="dimmed">Hang up to leave the caller with the consulted party.</Text>
        </Stack>
      )}
    </Stack>
  );
}
