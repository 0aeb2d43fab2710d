// RoutingQueuesEditor is the routing profile's queue table: one row per
// queue × channel with its priority and delay, rows added and removed, and
// the API's errors on queues[i].<field> shown on row i's input. On a phone
// the rows are stacked cards instead of a wide table.

import { ActionIcon, Button, Group, NumberInput, Paper, Select, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { Option } from './form';
import { CHANNELS, DELAY_MAX, newRow, PRIORITY_MAX, PRIORITY_MIN, queueRowErrors, type Channel, type QueueRow, type RoutingQueue } from './routingProfile';

export interface RoutingQueuesEditorProps {
  rows: QueueRow[];
  onChange(rows: QueueRow[]): void;
  queueOptions: Option[];
  // concurrency is the profile's per-channel concurrency (new rows take the first channel above 0).
  concurrency?: Partial<Record<Channel, unknown>>;
  // error is what the last save threw.
  error?: unknown;
  label?: string;
}

const channelOptions = CHANNELS.map((c) => ({ value: c, label: c }));

export function RoutingQueuesEditor({ rows, onChange, queueOptions, concurrency, error, label = 'Queues' }: RoutingQueuesEditorProps) {
  const mobile = useMediaQuery('(max-width: 48em)');
  const errs = queueRowErrors(error);
  // An error on a row that is no longer there (removed since the save) is shown with the list's.
  const listErrors = [...errs.list, ...Object.entries(errs.rows).filter(([i]) => Number(i) >= rows.length)
    .flatMap(([i, e]) => Object.values(e).map((m) => `row ${Number(i) + 1}: ${m}`))];

  const update = (i: number, patch: Partial<QueueRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const remove = (i: number) => onChange(rows.filter((_, j) => j !== i));
  const add = () => onChange([...rows, newRow(concurrency)]);
  const num = (v: string | number): number | '' => (v === '' ? '' : Number(v));

  function inputs(r: QueueRow, i: number, labelled: boolean) {
    const e: Partial<Record<keyof RoutingQueue, string>> = errs.rows[i] ?? {};
    const n = i + 1;
    const lbl = (what: string) => (labelled ? { label: what } : { 'aria-label': `${what} (row ${n})` });
    return {
      queue: (
        <Select {...lbl('Queue')} data={queueOptions} searchable value={r.queueId || null} error={e.queueId} required
          placeholder="Pick a queue" onChange={(s) => update(i, { queueId: s ?? '' })} data-testid={`rpq-${i}-queue`}
          comboboxProps={{ withinPortal: true }} miw={140} />
      ),
      channel: (
        <Select {...lbl('Channel')} data={channelOptions} value={r.channel || null} error={e.channel} allowDeselect={false}
          onChange={(s) => update(i, { channel: s ?? 'VOICE' })} data-testid={`rpq-${i}-channel`} comboboxProps={{ withinPortal: true }} miw={100} />
      ),
      priority: (
        <NumberInput {...lbl('Priority')} min={PRIORITY_MIN} max={PRIORITY_MAX} allowDecimal={false} value={r.priority} error={e.priority}
          onChange={(v) => update(i, { priority: num(v) })} data-testid={`rpq-${i}-priority`} miw={80} />
      ),
      delay: (
        <NumberInput {...lbl('Delay (seconds)')} min={0} max={DELAY_MAX} allowDecimal={false} value={r.delaySeconds} error={e.delaySeconds}
          onChange={(v) => update(i, { delaySeconds: num(v) })} data-testid={`rpq-${i}-delay`} miw={80} />
      ),
      remove: (
        <ActionIcon variant="subtle" color="red" aria-label={`Remove row ${n}`} onClick={() => remove(i)} data-testid={`rpq-${i}-remove`}>
          ✕
        </ActionIcon>
      ),
    };
  }

  return (
    <Stack gap={6} data-testid="routing-queues">
      <div>
        <Text fw={500} size="sm">{label}</Text>
        <Text size="xs" c="dimmed">
          Agents get contacts of these queues on each channel; priority 1 is served first, and a contact waits the delay before this profile is offered it.
        </Text>
      </div>
      {rows.length === 0 && <Text size="sm" c="dimmed">No queues yet.</Text>}
      {rows.length > 0 && !mobile && (
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing={4} data-testid="routing-queues-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Queue</Table.Th>
                <Table.Th>Channel</Table.Th>
                <Table.Th>Priority</Table.Th>
                <Table.Th>Delay (s)</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r, i) => {
                const c = inputs(r, i, false);
                return (
                  <Table.Tr key={r.key} data-testid={`rpq-row-${i}`} style={{ verticalAlign: 'top' }}>
                    <Table.Td>{c.queue}</Table.Td>
                    <Table.Td>{c.channel}</Table.Td>
                    <Table.Td>{c.priority}</Table.Td>
                    <Table.Td>{c.delay}</Table.Td>
                    <Table.Td>{c.remove}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {rows.length > 0 && mobile && rows.map((r, i) => {
        const c = inputs(r, i, true);
        return (
          <Paper key={r.key} withBorder p="xs" data-testid={`rpq-row-${i}`}>
            <Group justify="space-between" mb={4}>
              <Text size="xs" c="dimmed">Row {i + 1}</Text>
              {c.remove}
            </Group>
            <SimpleGrid cols={2} spacing="xs">
              {c.queue}
              {c.channel}
              {c.priority}
              {c.delay}
            </SimpleGrid>
          </Paper>
        );
      })}
      {listErrors.length > 0 && (
        <Text size="sm" c="red" role="alert" data-testid="routing-queues-error">{listErrors.join('; ')}</Text>
      )}
      <Group>
        <Button variant="light" size="xs" onClick={add} data-testid="rpq-add">Add queue</Button>
      </Group>
    </Stack>
  );
}
