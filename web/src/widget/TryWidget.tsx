import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Alert, Anchor, Button, Code, Container, Group, Paper, PasswordInput, SegmentedControl, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { originAllowed, widgetSnippet } from '../admin/chatWidget';
import { RequireSession, useSession } from '../session/SessionContext';
import { credentialHeaders, sessionApi } from '../session/session';
import { listInstances, type InstanceSummary } from '../supervisor/credentials';

interface FlowSummary {
  id: string;
  name: string;
  type: string;
  publishedVersion: number;
}

interface WidgetSummary {
  id: string;
  name: string;
  allowedOrigins?: string[];
  requireToken?: boolean;
  disabled?: boolean;
  title?: string;
  color?: string;
  displayName?: string;
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

/**
 * loadWidget (re)loads /widget.js with the attributes a website would put on
 * its script tag: a configured widget (data-widget, with a token when the
 * widget requires one), or an instance and a flow.
 */
function loadWidget(t: { widget: WidgetSummary; token: string } | { instanceId: string; flowId: string; title: string; startKey: string }): Promise<void> {
  window.SwitchboardChat?.destroy();
  document.getElementById(SCRIPT_ID)?.remove();
  // The console's credentials (its key, or the CSRF token of its cookie
  // session) have no attribute, as a public page must never carry them: the
  // page passes them through the global config the widget reads at load. A
  // configured widget gets none: its start is public, checked against this
  // page's origin (and the token).
  if ('widget' in t) window.SwitchboardChatConfig = t.token ? { authenticate: () => Promise.resolve(t.token) } : {};
  else window.SwitchboardChatConfig = t.startKey ? { apiKey: t.startKey } : { headers: credentialHeaders('POST') };
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.id = SCRIPT_ID;
    s.src = `/widget.js?t=${Date.now()}`; // a fresh run of the script, so it reads the new attributes
    if ('widget' in t) {
      s.dataset.widget = t.widget.id; // the widget reads its own title, colour and name
    } else {
      s.dataset.instance = t.instanceId;
      s.dataset.flow = t.flowId;
      if (t.title) s.dataset.title = t.title;
    }
    s.onload = () => resolve();
    s.onerror = () => reject(new Error('could not load /widget.js (is the console built with the widget?)'));
    document.body.appendChild(s);
  });
}

// TryWidget is the page to try the chat widget: pick an instance and a
// published flow, or one of the instance's configured chat widgets, and it
// loads the widget on this page, as a website would.
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
  // ?widget=<id> (the admin console's link) tries a configured widget.
  const widgetId = params.get('widget') ?? '';
  const [mode, setMode] = useState<'flow' | 'widget'>(widgetId ? 'widget' : 'flow');
  const [widgets, setWidgets] = useState<WidgetSummary[] | undefined>();
  const [token, setToken] = useState('');
  const widget = widgets?.find((w) => w.id === widgetId);
  const allowedHere = widget ? originAllowed(location.origin, widget.allowedOrigins ?? []) : true;

  const set = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    if (k === 'instance') {
      next.delete('flow');
      next.delete('widget');
    }
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

  useEffect(() => {
    if (mode !== 'widget' || !instance || !instances.some((i) => i.id === instance)) {
      setWidgets(undefined);
      return;
    }
    let live = true;
    sessionApi<{ items?: WidgetSummary[] }>(`/api/v1/instances/${encodeURIComponent(instance)}/chat-widgets?maxResults=1000`).then(
      (out) => {
        if (!live) return;
        const all = out.items ?? [];
        setWidgets(all);
        if (!widgetId && all.length > 0) set('widget', all[0].id);
      },
      (err: unknown) => live && setError(`Could not list the chat widgets: ${(err as Error).message}`),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- on instance or mode change only
  }, [mode, instance, instances]);

  // Leaving the page removes the widget.
  useEffect(() => () => window.SwitchboardChat?.destroy(), []);

  const snippet = mode === 'widget' ? widgetSnippet(location.origin, widgetId || 'WIDGET_ID') : `<script src="${location.origin}/widget.js"\n  data-instance="${instance || 'INSTANCE_ID'}"\n  data-flow="${flow || 'CONTACT_FLOW_ID'}"\n  data-title="${title}"\n  data-start-url="/your-server/start-chat"></script>`;

  return (
    <Container py="lg">
      <Title order={2} mb="xs">
        Try the chat widget
      </Title>
      <Text c="dimmed" mb="md">
        Choose an instance and a published contact flow, or one of its chat widgets, then load the widget: its button appears at the
        bottom right of this page, as it would on a website.
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
            loadWidget(mode === 'widget' && widget ? { widget, token } : { instanceId: instance, flowId: flow, title, startKey }).then(
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
            <SegmentedControl
              aria-label="What to try"
              data-testid="try-mode"
              value={mode}
              onChange={(v) => {
                setMode(v as 'flow' | 'widget');
                setError(undefined);
              }}
              data={[
                { value: 'flow', label: 'A contact flow' },
                { value: 'widget', label: 'A configured chat widget' },
              ]}
            />
            {mode === 'widget' && (
              <>
                <Select
                  label="Chat widget"
                  description={`It works here only if this console's origin, ${location.origin}, is one of the widget's allowed origins (Admin → Chat widgets).`}
                  data={(widgets ?? []).map((w) => ({ value: w.id, label: w.disabled ? `${w.name} (disabled)` : w.name }))}
                  value={widgetId || null}
                  onChange={(v) => set('widget', v ?? '')}
                  nothingFoundMessage="No chat widget in this instance"
                  placeholder={widgets && widgets.length === 0 ? 'No chat widget in this instance' : undefined}
                  data-testid="try-widget"
                  required
                />
                {widget && !allowedHere && (
                  <Alert color="yellow" data-testid="try-widget-origin">
                    {location.origin} is not among this widget's allowed origins ({(widget.allowedOrigins ?? []).join(', ') || 'none'}): the server will
                    refuse it on this page. Add it to the widget to try it here.
                  </Alert>
                )}
                {widget?.requireToken && (
                  <TextInput
                    label="Token (JWT)"
                    description="This widget requires a token: one signed with its security key (HS256, sub = the widget ID, exp at most 10 minutes later), as a website's server would make. It is used on this page only."
                    value={token}
                    onChange={(e) => setToken(e.currentTarget.value.trim())}
                    data-testid="try-token"
                    autoComplete="off"
                  />
                )}
              </>
            )}
            {mode === 'flow' && (flows.length > 0 ? (
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
            ))}
            {mode === 'flow' && needsStartKey && (
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
            {mode === 'flow' && <TextInput label="Title" value={title} onChange={(e) => setTitle(e.currentTarget.value)} data-testid="try-title" />}
            <Group>
              <Button type="submit" disabled={mode === 'widget' ? !widget : !instance || !flow || (needsStartKey && !startKey)} data-testid="try-load">
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
      {mode === 'widget' ? (
        <Text size="sm" mb="xs">
          The widget reads its title and colour from the server and starts chats itself, from the pages of its allowed origins only.
        </Text>
      ) : (
        <Text size="sm" mb="xs">
          The website's server starts the chat with its API key (POST /api/v1/instances/&#123;id&#125;/contacts/chat) at <Code>data-start-url</Code> and
          answers its JSON; the widget does the rest with the participant API.
        </Text>
      )}
      <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
        {snippet}
      </Code>
    </Container>
  );
}
