import { useCallback, useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Alert, Badge, Button, Container, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { ConnectionStatus, ContactState } from '../agent-client';
import { getAgent, useClientState, useSoftphoneState } from './agent';
import { ContactCard } from './ContactCard';
import { DialPanel } from './DialPanel';
import { LoginForm } from './LoginForm';
import { OfferCard } from './OfferCard';
import { StatusBar } from './StatusBar';

const CONNECTION_LABEL: Record<ConnectionStatus, [string, string]> = {
  disconnected: ['Disconnected', 'gray'],
  connecting: ['Connecting…', 'yellow'],
  authenticating: ['Connecting…', 'yellow'],
  ready: ['Connected', 'green'],
  reconnecting: ['Reconnecting…', 'orange'],
};

// CCP is the agent's Contact Control Panel (/ccp): login, status, offers,
// the contacts the agent is with (several chats at once, a call with its
// softphone controls), transfers, dial-out and after-contact work. It is a
// view over agent-client's AgentClient and Softphone.
export function CCP() {
  const { client, phone } = getAgent();
  const state = useClientState(client);
  const line = useSoftphoneState(phone);
  const [params] = useSearchParams();
  const [error, setError] = useState<string | null>(null);
  const audioRef = useRef<HTMLAudioElement>(null);

  const showError = useCallback((msg: string) => setError(msg), []);
  const run = useCallback((label: string, f: () => Promise<unknown> | void) => {
    try {
      const p = f();
      if (p) {
        p.catch((err: unknown) => {
          const e = err as { code?: string; message?: string };
          setError(`${label}: ${e.code && e.code !== e.message ? e.code + ': ' : ''}${e.message ?? String(err)}`);
        });
      }
    } catch (err) {
      setError(`${label}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }, []);

  const start = useCallback(() => {
    phone.start();
    client.connect().catch((err: unknown) => setError(`connect: ${err instanceof Error ? err.message : String(err)}`));
  }, [client, phone]);

  // A reload (or a return to /ccp): the stored session reconnects with resume.
  useEffect(() => {
    const s = client.getState();
    if (s.session && s.connection === 'disconnected' && !s.replaced) start();
  }, [client, start]);

  useEffect(() => {
    phone.setAudioElement(audioRef.current);
    return () => phone.setAudioElement(null);
  }, [phone, state.session]);

  if (!state.session) {
    return (
      <Container size="xs" px="md">
        <LoginForm client={client} initialInstance={params.get('instance') ?? ''} onLoggedIn={start} />
      </Container>
    );
  }

  const contacts = Object.values(state.contacts).sort((a, b) => (a.since ?? '').localeCompare(b.since ?? ''));
  const offers = contacts.filter((c) => c.state === 'Pending' && !c.autoAccepted);
  const active = contacts.filter((c) => !(c.state === 'Pending' && !c.autoAccepted));
  const onCall = contacts.some((c) => c.channel === 'VOICE' && c.state === 'Connected');
  const [connLabel, connColor] = CONNECTION_LABEL[state.connection];
  const agentName = state.agent?.displayName || state.session.displayName || state.session.username;

  return (
    <Container size="xl" px="sm" py="sm" data-testid="ccp">
      <audio ref={audioRef} autoPlay data-testid="remote-audio" />
      <Stack gap="sm">
        <Paper withBorder p="sm">
          <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
            <Stack gap={2}>
              <Title order={3}>CCP</Title>
              <Group gap={6}>
                <Text size="sm" data-testid="agent-name">{agentName}</Text>
                <Badge color={connColor} variant="dot" data-testid="connection" data-state={state.connection}>{connLabel}</Badge>
                <Badge color={line.connection === 'connected' ? 'green' : line.error ? 'red' : 'gray'} variant="dot"
                  data-testid="audio-line" data-state={line.connection} title={line.error ?? undefined}>
                  Audio {line.connection === 'none' ? 'off' : line.connection}
                </Badge>
              </Group>
            </Stack>
            <StatusBar client={client} state={state} onError={showError} />
            <Button variant="subtle" size="xs" onClick={() => void client.logout()} data-testid="logout">
              Log out
            </Button>
          </Group>
        </Paper>

        {state.connection === 'reconnecting' && (
          <Alert color="orange" data-testid="reconnecting" title="Connection lost">
            Reconnecting… Your status and contacts are kept for 30 seconds.
          </Alert>
        )}
        {state.replaced && (
          <Alert color="yellow" data-testid="session-replaced" title="Opened elsewhere">
            <Group justify="space-between">
              <Text size="sm">This agent connected from another window or device.</Text>
              <Button size="xs" onClick={start} data-testid="take-over">Use here</Button>
            </Group>
          </Alert>
        )}
        {error && (
          <Alert color="red" withCloseButton onClose={() => setError(null)} data-testid="ccp-error" role="alert" closeButtonLabel="Dismiss">
            {error}
          </Alert>
        )}
        {line.error && state.connection === 'ready' && (
          <Text size="xs" c="red" data-testid="audio-error">Audio: {line.error}</Text>
        )}

        {offers.length > 0 && (
          <SimpleGrid cols={{ base: 1, md: 2, lg: 3 }} data-testid="offers">
            {offers.map((c: ContactState) => (
              <OfferCard key={c.contactId} contact={c}
                onAccept={() => client.accept(c.contactId).catch((e: Error) => showError(`accept: ${e.message}`))}
                onReject={() => client.reject(c.contactId).catch((e: Error) => showError(`reject: ${e.message}`))} />
            ))}
          </SimpleGrid>
        )}

        {active.length === 0 ? (
          <Paper withBorder p="lg" data-testid="no-contacts">
            <Text c="dimmed" ta="center">
              {state.status === 'Available' ? 'Waiting for contacts…' : 'Set your status to Available to take contacts.'}
            </Text>
          </Paper>
        ) : (
          <SimpleGrid cols={{ base: 1, md: 2 }} data-testid="contacts">
            {active.map((c) => (
              <ContactCard key={c.contactId} client={client} phone={phone} contact={c} run={run} onError={showError} />
            ))}
          </SimpleGrid>
        )}

        <Paper withBorder p="sm">
          <DialPanel client={client} disabled={state.connection !== 'ready' || state.status !== 'Available' || onCall} run={run} />
        </Paper>
      </Stack>
    </Container>
  );
}
