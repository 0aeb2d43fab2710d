import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Alert, Badge, Card, Container, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { RequireSession, useSession } from '../session/SessionContext';
import { credentialHeaders } from '../session/session';
import { InstancePicker, listInstances, resolveInstance, type InstanceSummary } from './credentials';
import {
  ACTIVITY_LABEL,
  agentLabel,
  chartRows,
  formatAge,
  groupAgents,
  mergeSamples,
  oldestAgeSeconds,
  streamRealtime,
  type QueueDepthSample,
  type RealtimeState,
} from './realtime';

const LINE_COLORS = ['#1c7ed6', '#e8590c', '#2f9e44', '#ae3ec9', '#f08c00', '#0c8599', '#c2255c', '#5c940d'];

const hhmm = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

// Supervisor is the real-time view of one instance (?instance=ID or alias;
// default: the logged-in user's instance): agents grouped by what they are
// doing, queues with the contacts in them and the oldest one's age, and the
// queue depth over the last hour.
export function Supervisor() {
  return (
    <RequireSession>
      <SupervisorView />
    </RequireSession>
  );
}

function SupervisorView() {
  const session = useSession();
  const [params, setParams] = useSearchParams();
  const ref = params.get('instance') ?? session.instance?.id ?? '';
  const [instanceId, setInstanceId] = useState<string>('');
  const [instances, setInstances] = useState<InstanceSummary[] | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [connected, setConnected] = useState(false);
  const [state, setState] = useState<RealtimeState | null>(null);
  const [skewMs, setSkewMs] = useState(0);
  const [samples, setSamples] = useState<QueueDepthSample[]>([]);
  const [now, setNow] = useState(() => Date.now());

  // Which instance: the one the URL names, else let the user pick.
  useEffect(() => {
    let live = true;
    setError(undefined);
    const fail = (err: unknown) => live && setError((err as Error).message);
    if (ref) {
      resolveInstance(ref).then((id) => live && setInstanceId(id), fail);
    } else {
      setInstanceId('');
      listInstances().then((all) => {
        if (!live) return;
        if (all.length === 1) setParams({ instance: all[0].id }, { replace: true });
        else setInstances(all);
      }, fail);
    }
    return () => {
      live = false;
    };
  }, [ref, setParams]);

  // The stream, for as long as the page shows the instance.
  useEffect(() => {
    if (!instanceId) return;
    const ctl = new AbortController();
    setState(null);
    setSamples([]);
    void streamRealtime(instanceId, credentialHeaders('GET'), ctl.signal, {
      onHistory: (h) => setSamples(mergeSamples([], h.samples)),
      onSample: (s) => setSamples((have) => mergeSamples(have, [s])),
      onSnapshot: (s) => {
        setState(s);
        setSkewMs(Date.now() - Date.parse(s.time));
      },
      onStatus: (ok, err) => {
        setConnected(ok);
        if (ok) setError(undefined);
        else if (err?.status === 401) void session.refresh(); // the session expired: RequireSession sends to /login
        else if (err) setError(err.status === 403 ? `Not allowed: ${err.message}` : err.message);
      },
    });
    return () => ctl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- session.refresh is stable enough; reconnecting on it is not wanted
  }, [instanceId]);

  // Ages tick every second between snapshots.
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);

  const groups = useMemo(() => groupAgents(state?.agents ?? []), [state]);
  const queues = state?.queues ?? [];
  // The chart spans the last hour on the server's clock, ending with the
  // live figures (samples come every 10 s; the snapshot every change).
  const serverNow = now - skewMs;
  const minute = Math.floor(serverNow / 60_000);
  const rows = useMemo(() => {
    const r = chartRows(samples, queues);
    if (state) r.push(Object.fromEntries([['t', Date.parse(state.time)], ...state.queues.map((q) => [q.id, q.inQueue])]));
    return r;
  }, [samples, queues, state]);
  const ticks = useMemo(() => {
    const end = (minute + 1) * 60_000;
    const step = 15 * 60_000;
    const out: number[] = [];
    for (let t = Math.ceil((end - 3600_000) / step) * step; t <= end; t += step) out.push(t);
    return out;
  }, [minute]);

  return (
    <Container size="xl" py="lg">
      <Group justify="space-between" mb="md" wrap="wrap">
        <Title order={2}>Real-time view</Title>
        <Group gap="xs">
          {state && <Text c="dimmed" size="sm">{`Instance ${state.instanceId}`}</Text>}
          <Badge color={connected ? 'green' : 'gray'} variant="light" data-testid="supervisor-live">
            {connected ? 'Live' : 'Connecting…'}
          </Badge>
        </Group>
      </Group>
      {error && (
        <Alert color="red" mb="md" title="Real-time data unavailable">
          {error}
        </Alert>
      )}
      {!ref && instances && (
        <Stack mb="md">
          <Text>Choose the instance to supervise.</Text>
          <InstancePicker instances={instances} onPick={(id) => setParams({ instance: id })} />
        </Stack>
      )}
      {ref && !state && !error && <Loader aria-label="Loading" />}
      {state && (
        <Stack gap="lg">
          <Card withBorder data-testid="supervisor-queues">
            <Title order={3} size="h4" mb="sm">
              Queues
            </Title>
            <Table.ScrollContainer minWidth={280}>
              <Table striped horizontalSpacing="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Queue</Table.Th>
                    <Table.Th ta="right">In queue</Table.Th>
                    <Table.Th ta="right">Waiting</Table.Th>
                    <Table.Th ta="right">Oldest</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {queues.map((q) => (
                    <Table.Tr key={q.id} data-testid={`queue-${q.id}`}>
                      <Table.Td>
                        <Group gap={6} wrap="nowrap">
                          <Text size="sm">{q.name}</Text>
                          {!q.open && (
                            <Badge size="xs" color="gray">
                              closed
                            </Badge>
                          )}
                        </Group>
                      </Table.Td>
                      <Table.Td ta="right" data-testid={`queue-${q.id}-waiting`}>
                        {q.inQueue}
                      </Table.Td>
                      <Table.Td ta="right">{q.waiting}</Table.Td>
                      <Table.Td ta="right" data-testid={`queue-${q.id}-oldest`}>
                        {formatAge(oldestAgeSeconds(q, now, skewMs))}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                  {queues.length === 0 && (
                    <Table.Tr>
                      <Table.Td colSpan={4}>
                        <Text c="dimmed" size="sm">
                          No queues
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  )}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Card>

          <Card withBorder data-testid="supervisor-chart">
            <Title order={3} size="h4" mb="sm">
              Contacts in queue, last hour
            </Title>
            <div style={{ width: '100%', height: 260 }}>
              <ResponsiveContainer>
                <LineChart data={rows} margin={{ top: 5, right: 16, bottom: 5, left: -16 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="t" type="number" scale="time" domain={[serverNow - 3600_000, serverNow]} ticks={ticks} tickFormatter={hhmm} allowDataOverflow />
                  <YAxis allowDecimals={false} />
                  <Tooltip labelFormatter={(t) => new Date(Number(t)).toLocaleTimeString()} />
                  <Legend />
                  {queues.map((q, i) => (
                    <Line key={q.id} type="stepAfter" dataKey={q.id} name={q.name} stroke={LINE_COLORS[i % LINE_COLORS.length]} dot={false} isAnimationActive={false} />
                  ))}
                </LineChart>
              </ResponsiveContainer>
            </div>
          </Card>

          <div data-testid="supervisor-agents">
            <Title order={3} size="h4" mb="sm">
              {`Agents (${state.agents.length})`}
            </Title>
            {state.agents.length === 0 && <Text c="dimmed">No agents</Text>}
            <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
              {groups.map((g) => (
                <Card withBorder key={g.activity} data-testid={`agents-${g.activity}`}>
                  <Group justify="space-between" mb="xs">
                    <Text fw={600}>{ACTIVITY_LABEL[g.activity] ?? g.activity}</Text>
                    <Badge variant="light">{g.agents.length}</Badge>
                  </Group>
                  <Stack gap={4}>
                    {g.agents.map((a) => (
                      <Group key={a.id} justify="space-between" wrap="nowrap" data-testid={`agent-${a.id}`}>
                        <Text size="sm" truncate>
                          {agentLabel(a)}
                        </Text>
                        <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                          {a.contacts.length > 0
                            ? `${a.contacts.length} contact${a.contacts.length > 1 ? 's' : ''} · ${a.status}`
                            : formatAge(Math.max(0, Math.floor((now - skewMs - Date.parse(a.statusSince)) / 1000)))}
                        </Text>
                      </Group>
                    ))}
                  </Stack>
                </Card>
              ))}
            </SimpleGrid>
          </div>
        </Stack>
      )}
    </Container>
  );
}
