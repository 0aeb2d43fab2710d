import { Badge, Group, NativeSelect, Text } from '@mantine/core';
import type { AgentClient, ClientState } from '../agent-client';

/**
 * statusOptions are the select's options: the statuses the welcome listed
 * (Available, Offline and the instance's enabled custom ones, in display
 * order), plus the agent's current status when it is not one of them (a
 * custom status disabled since the agent chose it: the agent keeps it until
 * it sets another).
 */
export function statusOptions(state: Pick<ClientState, 'statuses' | 'status'>): string[] {
  const names = state.statuses.map((s) => s.name);
  if (state.status && !names.includes(state.status)) names.push(state.status);
  return names;
}

/**
 * activity is what the agent is doing besides its status, as Connect's CCP
 * shows it beside the status: "After contact work" while a contact is in
 * after-contact work (the status stays Available: the agent is still
 * routable on its other channels), "On contact" while connected to one,
 * "Incoming" while offered one, else nothing.
 */
export function activity(state: Pick<ClientState, 'contacts'>): string | undefined {
  const slots = Object.values(state.contacts ?? {}).map((c) => c.state);
  if (slots.includes('AfterContactWork')) return 'After contact work';
  if (slots.includes('Connected')) return 'On contact';
  if (slots.includes('Pending')) return 'Incoming';
  return undefined;
}

// StatusBar chooses the agent's status among those the agent API lists in
// welcome (Amazon Connect Streams' agent.getAgentStates()).
export function StatusBar({ client, state, onError }: { client: AgentClient; state: ClientState; onError: (msg: string) => void }) {
  const choose = async (status: string) => {
    try {
      await client.setState(status);
    } catch (err) {
      onError(`setState ${status}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const ready = state.connection === 'ready';
  const doing = activity(state);
  return (
    <Group gap="xs" align="flex-end" wrap="wrap">
      <NativeSelect label="Status" data={statusOptions(state)} value={state.status} disabled={!ready}
        onChange={(e) => void choose(e.currentTarget.value)} data-testid="status-select" w={160} />
      {state.system && (
        <Badge color={state.system === 'Missed' ? 'orange' : 'red'} data-testid="agent-system" mb={6}>
          {state.system === 'Missed' ? 'Missed a contact' : 'Error'}
        </Badge>
      )}
      <Text size="sm" c="dimmed" mb={6} data-testid="agent-status" data-status={state.status}>
        {state.status}
      </Text>
      {doing && (
        <Badge variant="light" color={doing === 'After contact work' ? 'grape' : 'teal'} data-testid="agent-activity" mb={6}>
          {doing}
        </Badge>
      )}
    </Group>
  );
}
