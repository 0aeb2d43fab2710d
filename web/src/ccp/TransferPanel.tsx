import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Checkbox, Group, NativeSelect, Select, Stack, Text, TextInput, type ComboboxItem, type ComboboxItemGroup } from '@mantine/core';
import type { AgentClient, ConsultTarget, ContactState, QuickConnectInfo, TransferTarget } from '../agent-client';

type Kind = 'queueId' | 'agentId' | 'quickConnectId' | 'flowId' | 'phoneNumber';

const KINDS: { value: Kind; label: string }[] = [
  { value: 'quickConnectId', label: 'Quick connect ID' },
  { value: 'queueId', label: 'Queue ID' },
  { value: 'agentId', label: 'Agent ID' },
  { value: 'phoneNumber', label: 'Phone number' },
  { value: 'flowId', label: 'Flow ID or name' },
];

const GROUPS: { type: string; label: string }[] = [
  { type: 'QUEUE', label: 'Queues' },
  { type: 'USER', label: 'Agents' },
  { type: 'PHONE_NUMBER', label: 'Phone numbers' },
];

/**
 * quickConnectOptions groups the quick connects for the Select: queues,
 * agents, then phone numbers (calls only: a chat cannot go to a number),
 * each by name as the server lists them.
 */
export function quickConnectOptions(qcs: readonly QuickConnectInfo[], voice: boolean): ComboboxItemGroup<ComboboxItem, string>[] {
  const known = new Set(GROUPS.map((g) => g.type));
  const groups = [...GROUPS, { type: '', label: 'Other' }];
  return groups
    .filter((g) => voice || g.type !== 'PHONE_NUMBER')
    .map((g) => ({
      group: g.label,
      items: qcs
        .filter((q) => (g.type ? q.type === g.type : !known.has(q.type)))
        .map((q) => ({ value: q.id, label: q.type === 'PHONE_NUMBER' && q.phoneNumber ? `${q.name} (${q.phoneNumber})` : q.name })),
    }))
    .filter((g) => g.items.length > 0);
}

/** useQuickConnects loads the quick connects (listQuickConnects); reload refreshes them. */
function useQuickConnects(client: AgentClient) {
  const [list, setList] = useState<QuickConnectInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    client.listQuickConnects().then(
      (l) => {
        setList(l);
        setError(null);
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  }, [client]);
  useEffect(() => {
    reload();
    // After a reconnect the list may have changed (and a failed load can work now).
    return client.on('connection', (c) => {
      if (c === 'ready') reload();
    });
  }, [client, reload]);
  return { list, error, reload };
}

// TransferPanel transfers a contact, and for calls consults (warm
// transfer), conferences or cancels the consultation. The target is picked
// among the quick connects of the agent's queues (listQuickConnects, as
// Connect's CCP lists its endpoints); "Enter a target" types one instead: a quick
// connect, queue or agent ID, a phone number or (transfer only) a flow.
export function TransferPanel({ client, contact, run }: {
  client: AgentClient;
  contact: ContactState;
  run: (label: string, f: () => Promise<unknown>) => void;
}) {
  const voice = contact.channel === 'VOICE';
  const qcs = useQuickConnects(client);
  const [quick, setQuick] = useState<string | null>(null);
  const [typedChoice, setTypedChoice] = useState<boolean | null>(null);
  const [kind, setKind] = useState<Kind>('quickConnectId');
  const [target, setTarget] = useState('');
  const options = quickConnectOptions(qcs.list ?? [], voice);
  // Typing is the way when there is nothing to pick from, unless the agent chose.
  const noList = qcs.error !== null || (qcs.list !== null && options.length === 0);
  const typed = typedChoice ?? noList;
  const kinds = KINDS.filter((k) => voice || k.value !== 'phoneNumber');
  const t = target.trim();
  const to: TransferTarget | null = typed ? (t ? ({ [kind]: t } as TransferTarget) : null) : quick ? { quickConnectId: quick } : null;
  const id = contact.contactId;
  const consult = contact.consult;
  return (
    <Stack gap="xs">
      <Group gap="xs" align="flex-end" wrap="wrap">
        {typed ? (
          <>
            <NativeSelect label="Target" size="xs" data={kinds} value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}
              data-testid="transfer-kind" w={160} />
            <TextInput label="ID / number" size="xs" value={target} onChange={(e) => setTarget(e.currentTarget.value)}
              data-testid="transfer-target" w={180} />
          </>
        ) : (
          <Select label="Quick connect" size="xs" w={240} searchable clearable data={options} value={quick}
            onChange={setQuick} onDropdownOpen={qcs.reload} placeholder={qcs.list === null ? 'Loading…' : 'Pick a target'}
            nothingFoundMessage="No quick connect matches" data-testid="quick-connect-select" />
        )}
        <Button size="xs" disabled={!to} data-testid="transfer"
          onClick={() => to && run('transfer', () => client.transfer(id, to))}>
          Transfer
        </Button>
        {voice && !consult && (
          <Button size="xs" variant="light" disabled={!to || 'flowId' in to} data-testid="consult"
            onClick={() => to && !('flowId' in to) && run('consult', () => client.consult(id, to as ConsultTarget))}>
            Consult
          </Button>
        )}
      </Group>
      <Group gap="xs">
        <Checkbox size="xs" label="Enter a target (ID, number or flow)" checked={typed}
          onChange={(e) => setTypedChoice(e.currentTarget.checked)} data-testid="transfer-advanced" />
        {qcs.error && <Text size="xs" c="dimmed" data-testid="quick-connects-error">Quick connects unavailable: {qcs.error}</Text>}
        {!qcs.error && noList && <Text size="xs" c="dimmed">No quick connects are set up.</Text>}
      </Group>
      {voice && consult && (
        <Stack gap={4} data-testid="consult-panel">
          <Text size="sm">
            {consult.conference ? 'Conference with ' : 'Consulting '}
            {describeTarget(consult.target, qcs.list)}
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

/** describeTarget names a consultation's target: a quick connect by its name. */
function describeTarget(target: ConsultTarget, qcs: readonly QuickConnectInfo[] | null): string {
  if ('quickConnectId' in target) {
    return qcs?.find((q) => q.id === target.quickConnectId)?.name ?? target.quickConnectId;
  }
  return Object.values(target)[0] as string;
}
