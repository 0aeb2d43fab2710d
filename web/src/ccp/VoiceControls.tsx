import { useState } from 'react';
import { Button, Group, SimpleGrid, Stack, TextInput } from '@mantine/core';
import type { AgentClient, ContactState, Softphone } from '../agent-client';
import { useSoftphoneState } from './agent';

const KEYS: [string, string][] = [
  ['1', '1'], ['2', '2'], ['3', '3'], ['4', '4'], ['5', '5'], ['6', '6'],
  ['7', '7'], ['8', '8'], ['9', '9'], ['*', 'star'], ['0', '0'], ['#', 'pound'],
];

// VoiceControls are a call's softphone controls: mute (server-side), hold,
// and a DTMF keypad (keys play in band on the audio line; typed digits can
// also be sent by the server as RFC 4733 events). The keypad's
// data-dtmf-played lists the tones the line has played (for tests).
export function VoiceControls({ client, phone, contact, run }: {
  client: AgentClient;
  phone: Softphone;
  contact: ContactState;
  run: (label: string, f: () => Promise<unknown> | void) => void;
}) {
  const [digits, setDigits] = useState('');
  const line = useSoftphoneState(phone);
  const id = contact.contactId;
  return (
    <Stack gap="xs" data-testid="voice-controls">
      <Group gap="xs">
        {contact.muted ? (
          <Button color="orange" onClick={() => run('unmute', () => phone.unmute(id))} data-testid="unmute">Unmute</Button>
        ) : (
          <Button variant="default" onClick={() => run('mute', () => phone.mute(id))} data-testid="mute">Mute</Button>
        )}
        {contact.onHold ? (
          <Button color="orange" onClick={() => run('unhold', () => client.unhold(id))} data-testid="unhold">Resume</Button>
        ) : (
          <Button variant="default" onClick={() => run('hold', () => client.hold(id))} data-testid="hold">Hold</Button>
        )}
      </Group>
      <SimpleGrid cols={3} spacing={4} maw={220} data-testid="dtmf-keypad" data-dtmf-played={line.dtmfPlayed} role="group" aria-label="Keypad">
        {KEYS.map(([key, name]) => (
          <Button key={name} size="xs" variant="default" data-testid={`dtmf-key-${name}`} aria-label={`Key ${key}`}
            onClick={() => run('dtmf', () => {
              phone.sendDtmf(key);
              setDigits((d) => d + key);
            })}>
            {key}
          </Button>
        ))}
      </SimpleGrid>
      <Group gap="xs" align="flex-end" wrap="nowrap">
        <TextInput label="Digits" size="xs" value={digits} onChange={(e) => setDigits(e.currentTarget.value)} data-testid="dtmf-digits" w={140} />
        <Button size="xs" variant="default" disabled={!digits.trim()} data-testid="dtmf-send"
          onClick={() => run('sendDigits', () => client.sendDigits(id, digits.trim()))}>
          Send digits
        </Button>
      </Group>
    </Stack>
  );
}
