import { useState, type FormEvent } from 'react';
import { Alert, Button, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import type { AgentClient } from '../agent-client';

// LoginForm logs the agent in (instance ID or alias, username, password);
// the instance is prefilled from ?instance=.
export function LoginForm({ client, initialInstance, onLoggedIn }: { client: AgentClient; initialInstance: string; onLoggedIn: () => void }) {
  const [instanceId, setInstance] = useState(initialInstance);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await client.login({ instanceId: instanceId.trim(), username: username.trim(), password });
      onLoggedIn();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Paper withBorder p="lg" maw={420} mx="auto" mt="xl" component="form" onSubmit={submit} data-testid="login-form">
      <Stack>
        <Title order={2}>Agent login</Title>
        <TextInput label="Instance" description="Instance ID or alias" required value={instanceId}
          onChange={(e) => setInstance(e.currentTarget.value)} data-testid="login-instance" autoComplete="organization" />
        <TextInput label="Username" required value={username} onChange={(e) => setUsername(e.currentTarget.value)}
          data-testid="login-username" autoComplete="username" />
        <PasswordInput label="Password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)}
          data-testid="login-password" autoComplete="current-password" />
        {error && (
          <Alert color="red" title="Login failed" data-testid="login-error" role="alert">
            {error}
          </Alert>
        )}
        <Button type="submit" loading={busy} data-testid="login-submit">
          Log in
        </Button>
      </Stack>
    </Paper>
  );
}
