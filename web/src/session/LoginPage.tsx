// LoginPage (/login): a user logs in with their instance (ID or alias),
// username and password (a cookie session, session.ts); a deployment admin
// may instead paste an API key, kept for this tab only. On success the page
// goes to ?next= or to the area the user may use.

import { useState, type FormEvent } from 'react';
import { Alert, Button, Card, Center, PasswordInput, Stack, Tabs, Text, TextInput, Title } from '@mantine/core';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError } from '../lib/http';
import { can, loginWithKey, loginWithPassword, type SessionInfo } from './session';

// landing is where a user goes after logging in without a ?next=: admins
// (anyone who may change something) to the admin console, supervisors to
// the real-time view, readers to the admin console, agents to the CCP.
export function landing(s: SessionInfo): string {
  if (s.admin || s.permissions.some((p) => p.endsWith('.edit') || p === 'flows.publish')) return '/admin';
  if (can(s, 'metrics.realtime')) return '/supervisor';
  if (s.permissions.some((p) => p.endsWith('.read'))) return '/admin';
  return '/ccp';
}

// safeNext keeps a ?next= on this site (no //evil.example redirects).
function safeNext(next: string | null): string | undefined {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : undefined;
}

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [instance, setInstance] = useState(params.get('instance') ?? '');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent, how: () => Promise<SessionInfo>) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const s = await how();
      navigate(safeNext(params.get('next')) ?? landing(s), { replace: true });
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? err.message : `Login failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" p="md" bg="gray.0">
      <Card withBorder shadow="sm" p="lg" w="100%" maw={420}>
        <Title order={2} mb="xs">
          Switchboard
        </Title>
        <Text c="dimmed" size="sm" mb="md">
          Log in to the console
        </Text>
        {error && (
          <Alert color="red" mb="md" data-testid="login-error" role="alert">
            {error}
          </Alert>
        )}
        <Tabs defaultValue="user">
          <Tabs.List mb="md">
            <Tabs.Tab value="user" data-testid="login-tab-user">
              User
            </Tabs.Tab>
            <Tabs.Tab value="key" data-testid="login-tab-key">
              Deployment admin key
            </Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="user">
            <form onSubmit={(e) => submit(e, () => loginWithPassword(instance.trim(), username.trim(), password))}>
              <Stack>
                <TextInput label="Instance" description="Instance ID or alias" required value={instance}
                  onChange={(e) => setInstance(e.currentTarget.value)} data-testid="login-instance" autoComplete="organization" />
                <TextInput label="Username" required value={username} onChange={(e) => setUsername(e.currentTarget.value)}
                  data-testid="login-username" autoComplete="username" />
                <PasswordInput label="Password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)}
                  data-testid="login-password" autoComplete="current-password" />
                <Button type="submit" loading={busy} data-testid="login-submit">
                  Log in
                </Button>
              </Stack>
            </form>
          </Tabs.Panel>
          <Tabs.Panel value="key">
            <form onSubmit={(e) => submit(e, () => loginWithKey(key))}>
              <Stack>
                <PasswordInput label="API key" description="Kept in this tab only (sessionStorage)" required value={key}
                  onChange={(e) => setKey(e.currentTarget.value)} data-testid="login-key" autoComplete="off" />
                <Button type="submit" loading={busy} data-testid="login-key-submit">
                  Use key
                </Button>
              </Stack>
            </form>
          </Tabs.Panel>
        </Tabs>
      </Card>
    </Center>
  );
}
