import { useState } from 'react';
import { Badge, Button, Group, NativeSelect, Text, TextInput } from '@mantine/core';
import type { AgentClient, ClientState } from '../agent-client';

const BUILTIN = ['Available', 'Offline'];
const CUSTOM_KEY = 'switchboard.ccp.customStatuses';

function rememberedCustom(): string[] {
  try {
    const v = JSON.parse(localStorage.getItem(CUSTOM_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

// StatusBar chooses the agent's status. The agent API does not list the
// instance's custom statuses (welcome has none, and the agent-statuses
// route needs an API key), so custom ones are typed once and remembered in
// this browser; the server refuses unknown ones (invalid_status).
export function StatusBar({ client, state, onError }: { client: AgentClient; state: ClientState; onError: (msg: string) => void }) {
  const [custom, setCustom] = useState<string[]>(rememberedCustom);
  const [other, setOther] = useState('');
  const options = [...BUILTIN, ...custom.filter((c) => !BUILTIN.includes(c))];
  if (!options.includes(state.status)) options.push(state.status);

  const choose = async (status: string) => {
    try {
      await client.setState(status);
      if (!BUILTIN.includes(status) && !custom.includes(status)) {
        const next = [...custom, status];
        setCustom(next);
        localStorage.setItem(CUSTOM_KEY, JSON.stringify(next));
      }
    } catch (err) {
      onError(`setState ${status}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const ready = state.connection === 'ready';
  return (
    <Group gap="xs" align="flex-end" wrap="wrap">
      <NativeSelect label="Status" data={options} value={state.status} disabled={!ready}
        onChange={(e) => void choose(e.currentTarget.value)} data-testid="status-select" w={160} />
      {state.system && (
        <Badge color={state.system === 'Missed' ? 'orange' : 'red'} data-testid="agent-system" mb={6}>
          {state.system === 'Missed' ? 'Missed a contact' : 'Error'}
        </Badge>
      )}
      <TextInput label="Other status" placeholder="e.g. Lunch" value={other} w={130} disabled={!ready}
        onChange={(e) => setOther(e.currentTarget.value)} data-testid="status-custom" />
      <Button variant="default" disabled={!ready || !other.trim()} data-testid="status-custom-set"
        onClick={() => {
          void choose(other.trim());
          setOther('');
        }}>
        Set
      </Button>
      <Text size="sm" c="dimmed" mb={6} data-testid="agent-status" data-status={state.status}>
        {state.status}
      </Text>
    </Group>
  );
}
