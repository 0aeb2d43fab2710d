import { useState, type FormEvent } from 'react';
import { Button, Group, TextInput } from '@mantine/core';
import type { AgentClient } from '../agent-client';

// DialPanel places an outbound call (an Available agent not on a call);
// the queue (optional) gives the caller ID, else the routing profile's
// default outbound queue.
export function DialPanel({ client, disabled, run }: {
  client: AgentClient;
  disabled: boolean;
  run: (label: string, f: () => Promise<unknown>) => void;
}) {
  const [number, setNumber] = useState('');
  const [queue, setQueue] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const n = number.trim();
    if (!n) return;
    run('dial', () => client.dial(n, queue.trim() || undefined));
  };
  return (
    <form onSubmit={submit} aria-label="Dial out" data-testid="dial-panel">
      <Group gap="xs" align="flex-end" wrap="wrap">
        <TextInput label="Phone number" placeholder="+15550100" value={number} onChange={(e) => setNumber(e.currentTarget.value)}
          data-testid="dial-number" w={170} inputMode="tel" />
        <TextInput label="Queue ID (optional)" value={queue} onChange={(e) => setQueue(e.currentTarget.value)} data-testid="dial-queue" w={170} />
        <Button type="submit" disabled={disabled || !number.trim()} data-testid="dial">
          Call
        </Button>
      </Group>
    </form>
  );
}
