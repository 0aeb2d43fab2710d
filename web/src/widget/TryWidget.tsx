import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Alert, Anchor, Button, Code, Container, Group, Paper, PasswordInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { RequireSession, useSession } from '../session/SessionContext';
import { credentialHeaders, sessionApi } from '../session/session';
import { listInstances, type InstanceSummary } from '../supervisor/credentials';

interface FlowSummary {
  id: string;
  name: string;
  type: string;
  publishedVersion: number;
}

interface SwitchboardChatGlobal {
  destroy(): void;
  open(): void;
}

declare global {
  interface Window {
    SwitchboardChat?: SwitchboardChatGlobal;
  }
}

const SCRIPT_ID = 'switchboard-chat-widget-script';

/** loadWidget (re)loads /widget.js with the attributes a website would put on its script tag. */
function loadWidget(instanceId: string, flowId: string, title: string, startKey: string): Promise<void> {
  window.SwitchboardChat?.destroy();
  document.getElementById(SCRIPT_ID)?.remove();
  // The console's credentials (its key, or the CSRF token of its cookie
  // session) have no attribute, as a public page must never carry them: the
  // page passes them through the global config the widget reads at load.
  window.SwitchboardChatConfig = startKey ? { apiKey: startKey } : { headers: credentialHeaders('POST') };
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.id = SCRIPT_ID;
    s.src = `/widget.js?t=${Date.now()}`; // a fresh run of the script, so it reads the new attributes
    s.dataset.instance = instanceId;
    s.dataset.flow = flowId;
    if (title) s.dataset.title = title;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error('could not load /widget.js (is the console built with the widget?)'));
    document.body.appendChild(s);
  });
}

// TryWidget is the page to try the chat widget: pick an instance and a
// published flow and it loads the widget on this page, as a website would.
export function TryWidget() {
  return (
    <RequireSession>
      <TryWidgetView />
    </RequireSession>
  );
}

function TryWidgetView() {
  const session = useSession();
  // Console user sessions may not start chats (that is left to API keys,
  // as a website's server holds one): such a user types a key of the
  // instance, kept in this page's memory only.
  const needsStartKey = session.info.kind === 'session';
  const [startKey, setStartKey] = useState('');
  const [params, setParams] = useSearchParams();
  const [instances, setInstances] = useState<InstanceSummary[]>([]);
  const [flows, setFlows] = useState<FlowSummary[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [loaded, setLoaded] = useState(false);
  const instance = params.get('instance') ?? session.instance?.id ?? '';
  const flow = params.get('flow') ?? '';
  const [title, setTitle] = useState(params.get('title') ?? 'Chat with us');

  const set = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    if (k === 'instance') next.delete('flow');
    setParams(next, { replace: true });
  };

  useEffect(() => {
    let live = true;
    listInstances().then(
      (all) => {
        if (!live) return;
        setInstances(all);
        if (!instance && all.length === 1) set('instance', all[0].id);
        // an alias in the URL (?instance=demo) becomes the ID
        const byAlias = all.find((i) => i.alias === instance);
        if (byAlias) set('instance', byAlias.id);
      },
      (err: unknown) => live && setError((err as Error).message),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once
  }, []);

  useEffect(() => {
    if (!instance || !instances.some((i) => i.id === instance)) {
      setFlows([]);
      return;
    }
    let live = true;
    sessionApi<{ items?: FlowSummary[] }>(`/api/v1/instances/${encodeURIComponent(instance)}/flows?maxResults=1000`).then(
      (out) => {
        if (!live) return;
        const published = (out.items ?? []).filter((f) => f.publishedVersion > 0 && f.type === 'CONTACT_FLOW');
        setFlows(published);
        if (!flow && published.length > 0) set('flow', published[0].id);
      },
      (err: unknown) => live && setError((err as Error).message),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- on instance change only
  }, [instance, instances]);

  // Leaving the page removes the widget.
  useEffect(() => () => window.SwitchboardChat?.destroy(), []);

  const snippet = `<script src="${location.origin}/widget.js"\n  data-instance="${instance || 'INSTANCE_ID'}"\n  data-flow="${flow || 'CONTACT_FLOW_ID'}"\n  data-title="${title}"\n  data-start-url="/your-server/start-chat"></script>`;

  return (
    <Container py="lg">
      <Title order={2} mb="xs">
        Try the chat widget
      </Title>
      <Text c="dimmed" mb="md">
        Choose an instance and a published contact flow, then load the widget: its button appears at the bottom right of this page, as it
        would on a website.
      </Text>
      {error && (
        <Alert color="red" mb="md">
          {error}
        </Alert>
      )}
      <Paper withBorder p="md" mb="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setError(undefined);
            loadWidget(instance, flow, title, startKey).then(
              () => setLoaded(true),
              (err: Error) => setError(err.message),
            );
          }}
        >
          <Stack gap="sm">
            {instances.length > 0 ? (
              <Select
                label="Instance"
                data={instances.map((i) => ({ value: i.id, label: i.alias || i.id }))}
                value={instance || null}
                onChange={(v) => set('instance', v ?? '')}
                data-testid="try-instance"
                required
              />
            ) : (
              <TextInput label="Instance ID" value={instance} onChange={(e) => set('instance', e.currentTarget.value)} data-testid="try-instance-id" required />
            )}
            {flows.length > 0 ? (
              <Select
                label="Contact flow"
                data={flows.map((f) => ({ value: f.id, label: f.name }))}
                value={flow || null}
                onChange={(v) => set('flow', v ?? '')}
                data-testid="try-flow"
                required
              />
            ) : (
              <TextInput
                label="Contact flow ID"
                description="No published contact flow found: type its ID"
                value={flow}
                onChange={(e) => set('flow', e.currentTarget.value)}
                data-testid="try-flow-id"
                required
              />
            )}
            {needsStartKey && (
              <PasswordInput
                label="API key of the instance"
                description="Starting a chat needs an API key (a website's server holds one); it is used on this page only"
                value={startKey}
                onChange={(e) => setStartKey(e.currentTarget.value.trim())}
                data-testid="try-api-key"
                autoComplete="off"
                required
              />
            )}
            <TextInput label="Title" value={title} onChange={(e) => setTitle(e.currentTarget.value)} data-testid="try-title" />
            <Group>
              <Button type="submit" disabled={!instance || !flow || (needsStartKey && !startKey)} data-testid="try-load">
                {loaded ? 'Reload the widget' : 'Load the widget'}
              </Button>
              {loaded && (
                <Button variant="light" onClick={() => window.SwitchboardChat?.open()} data-testid="try-open">
                  Open the chat
                </Button>
              )}
              {instance && (
                <Anchor href={`/supervisor?instance=${encodeURIComponent(instance)}`} target="_blank" size="sm">
                  Watch it in the real-time view
                </Anchor>
              )}
            </Group>
          </Stack>
        </form>
      </Paper>
      <Title order={3} size="h5" mb="xs">
        On a website
      </Title>
      <Text size="sm" mb="xs">
        The website's server starts the chat with its API key (POST /api/v1/instances/&#123;id&#125;/contacts/chat) at <Code>data-start-url</Code> and
        answers its JSON; the widget does the rest with the participant API.
      </Text>
      <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
        {snippet}
      </Code>
    </Container>
  );
}
