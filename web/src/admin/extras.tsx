// The parts of admin pages that are not forms: a prompt's audio (upload a
// WAV, listen), flow import and export, a chat widget's embed snippet and
// flow name, and a secret input with a "generate" button.

import { useEffect, useState } from 'react';
import { Alert, Anchor, Button, Checkbox, Code, CopyButton, FileButton, FileInput, Group, List, Modal, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { ApiError } from '../lib/http';
import { useSession } from '../session/SessionContext';
import { tokenSnippet, widgetSnippet } from './chatWidget';
import type { Values } from './form';
import type { KindContext } from './ResourcePage';

function message(e: unknown): string {
  if (e instanceof ApiError && e.fields.length) return e.fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return e instanceof Error ? e.message : String(e);
}

// PromptAudio uploads a prompt's WAV and plays it back. The audio is
// fetched with the session's credentials (a key session cannot put a
// Bearer header on an <audio src>), then played from a blob URL.
export function PromptAudio({ prompt, ctx }: { prompt: Values; ctx: KindContext }) {
  const url = `${ctx.base}/${encodeURIComponent(String(prompt.id))}/audio`;
  const [src, setSrc] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [hasAudio, setHasAudio] = useState(!!prompt.audio);
  const [rev, setRev] = useState(0); // bumped by an upload, to fetch the new audio
  const mayEdit = ctx.session.can('prompts.edit');

  useEffect(() => {
    if (!hasAudio) return;
    let obj: string | undefined;
    let live = true;
    ctx.session
      .fetch(url)
      .then((r) => r.blob())
      .then((b) => {
        if (!live) return;
        obj = URL.createObjectURL(b);
        setSrc(obj);
      })
      .catch((e: unknown) => live && setError(message(e)));
    return () => {
      live = false;
      if (obj) URL.revokeObjectURL(obj);
    };
  }, [ctx.session, url, hasAudio, rev]);

  async function upload(file: File | null) {
    if (!file) return;
    setBusy(true);
    setError(undefined);
    try {
      await ctx.session.fetch(url, { method: 'PUT', body: file, headers: { 'Content-Type': 'audio/wav' } });
      setSrc(undefined);
      setHasAudio(true);
      setRev((r) => r + 1);
      ctx.reload();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack gap="xs">
      <Text fw={600} size="sm">Audio</Text>
      {error && <Alert color="red" data-testid="prompt-audio-error">{error}</Alert>}
      {src ? <audio controls src={src} data-testid="prompt-audio" style={{ width: '100%' }} /> : <Text size="sm" c="dimmed">{hasAudio ? 'Loading…' : 'No audio yet.'}</Text>}
      {mayEdit && (
        <FileButton onChange={(f) => void upload(f)} accept="audio/wav,audio/x-wav,.wav">
          {(props) => <Button {...props} variant="light" loading={busy} data-testid="prompt-upload">Upload a WAV</Button>}
        </FileButton>
      )}
    </Stack>
  );
}

interface ImportResult {
  flow: Values;
  format: string;
  warnings?: { field: string; message: string }[];
  binding?: { unbound?: unknown[] } & Record<string, unknown>;
}

// FlowImportButton imports an Amazon Connect flow export (JSON file).
export function FlowImportButton({ ctx }: { ctx: KindContext }) {
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [publish, setPublish] = useState(false);
  const [replace, setReplace] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [result, setResult] = useState<ImportResult>();
  if (!ctx.session.can('flows.edit')) return null;

  async function submit() {
    if (!file) return;
    setBusy(true);
    setError(undefined);
    try {
      let content: unknown;
      try {
        content = JSON.parse(await file.text());
      } catch {
        throw new Error(`${file.name} is not JSON`);
      }
      const r = await ctx.session.api<ImportResult>(`${ctx.base}:import`, {
        method: 'POST',
        body: { name: name.trim() || undefined, content, publish: publish || undefined, replace: replace || undefined },
      });
      setResult(r);
      ctx.reload();
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <Button variant="light" onClick={() => { setOpen(true); setResult(undefined); setError(undefined); }} data-testid="import-button">
        Import
      </Button>
      <Modal opened={open} onClose={() => setOpen(false)} title="Import an Amazon Connect flow" size="lg">
        <Stack>
          <FileInput label="Flow export (JSON)" accept="application/json,.json" value={file} onChange={setFile} clearable data-testid="import-file" />
          <TextInput label="Name" description="Empty: the export's name" value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="import-name" />
          <Checkbox label="Publish it" checked={publish} onChange={(e) => setPublish(e.currentTarget.checked)} data-testid="import-publish" />
          <Checkbox label="Replace the draft of a flow of the same name" checked={replace} onChange={(e) => setReplace(e.currentTarget.checked)} />
          {error && <Alert color="red" data-testid="import-error">{error}</Alert>}
          {result && (
            <Alert color="teal" data-testid="import-result" title={`Imported ${String(result.flow.name)} (${result.format} format)`}>
              {result.warnings && result.warnings.length > 0 ? (
                <List size="sm">
                  {result.warnings.slice(0, 10).map((w, i) => (
                    <List.Item key={i}>{w.field}: {w.message}</List.Item>
                  ))}
                </List>
              ) : (
                <Text size="sm">No warnings.</Text>
              )}
            </Alert>
          )}
          <Group>
            <Button onClick={() => void submit()} loading={busy} disabled={!file} data-testid="import-submit">Import</Button>
            <Button variant="default" onClick={() => setOpen(false)}>Close</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

// FlowExportButton downloads a flow's draft as flow-language JSON.
export function FlowExportButton({ flow, ctx }: { flow: Values; ctx: KindContext }) {
  const [busy, setBusy] = useState(false);
  async function download() {
    setBusy(true);
    try {
      const r = await ctx.session.fetch(`${ctx.base}/${encodeURIComponent(String(flow.id))}/export`);
      const url = URL.createObjectURL(await r.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `${String(flow.name).replace(/[^\w.-]+/g, '_')}.json`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Button size="xs" variant="subtle" loading={busy} onClick={() => void download()} data-testid={`export-${String(flow.name)}`}>
      Export
    </Button>
  );
}

function Copy({ value, testId }: { value: string; testId?: string }) {
  return (
    <CopyButton value={value}>
      {({ copied, copy }) => (
        <Button size="xs" variant="light" onClick={copy} data-testid={testId}>
          {copied ? 'Copied' : 'Copy'}
        </Button>
      )}
    </CopyButton>
  );
}

export interface GeneratedSecretInputProps {
  label: string;
  description?: string;
  required?: boolean;
  error?: string;
  placeholder?: string;
  'data-testid'?: string;
  value: string;
  onChange(value: string): void;
  generate: { label: string; make(): string };
}

// GeneratedSecretInput is a write-only secret's input with a button that
// fills it with a new random one, shown (to copy) until it is changed or
// the form is saved: the API never returns it.
export function GeneratedSecretInput({ generate, value, onChange, ...input }: GeneratedSecretInputProps) {
  const [generated, setGenerated] = useState<string>();
  const name = input['data-testid'] ?? 'secret';
  return (
    <Stack gap={6}>
      <PasswordInput {...input} autoComplete="new-password" value={value} onChange={(e) => onChange(e.currentTarget.value)} />
      <Group gap="xs">
        <Button size="xs" variant="light" data-testid={`${name}-generate`} onClick={() => {
          const k = generate.make();
          setGenerated(k);
          onChange(k);
        }}>
          {generate.label}
        </Button>
      </Group>
      {generated && generated === value && (
        <Alert color="teal" title="Copy it now: once saved it is not shown again" data-testid={`${name}-generated`}>
          <Stack gap="xs">
            <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>{generated}</Code>
            <Group><Copy value={generated} /></Group>
          </Stack>
        </Alert>
      )}
    </Stack>
  );
}

// Flow names by instance and flow ID, read once per page load (a table
// shows a widget's flow by name; the item holds only its ID).
const flowNames = new Map<string, Promise<string>>();

// FlowName shows the name of an item's flow (its field), or the ID when
// the flow cannot be read (e.g. without flows.read).
export function FlowName({ item, field }: { item: Values; field: string }) {
  const session = useSession();
  const id = String(item[field] ?? '');
  const instanceId = String(item.instanceId ?? session.instance?.id ?? '');
  const [label, setLabel] = useState(id);
  useEffect(() => {
    if (!id || !instanceId) return;
    const k = `${instanceId}/${id}`;
    let p = flowNames.get(k);
    if (!p) {
      p = session.api<Values>(`/api/v1/instances/${encodeURIComponent(instanceId)}/flows/${encodeURIComponent(id)}`).then((f) => String(f.name ?? id));
      p.catch(() => flowNames.delete(k));
      flowNames.set(k, p);
    }
    let live = true;
    p.then((n) => live && setLabel(n), () => undefined);
    return () => {
      live = false;
    };
  }, [session, instanceId, id]);
  return <>{label}</>;
}

// ChatWidgetEmbed is what a website needs for a chat widget: the script
// tag, and when the widget requires a token, how to give it one.
export function ChatWidgetEmbed({ widget }: { widget: Values }) {
  const id = String(widget.id);
  const snippet = widgetSnippet(location.origin, id);
  const origins = (widget.allowedOrigins as string[] | undefined) ?? [];
  const tryUrl = `/widget?instance=${encodeURIComponent(String(widget.instanceId ?? ''))}&widget=${encodeURIComponent(id)}`;
  return (
    <Stack gap="xs">
      <Text fw={600} size="sm">Embed it</Text>
      <Text size="sm">
        Add this tag to the pages of {origins.length ? origins.join(', ') : 'the allowed origins'} (the server refuses chats from other sites):
      </Text>
      <Code block style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }} data-testid="widget-snippet">{snippet}</Code>
      <Group gap="sm">
        <Copy value={snippet} testId="widget-snippet-copy" />
        <Anchor href={tryUrl} target="_blank" size="sm">Try it in the console</Anchor>
      </Group>
      {!!widget.requireToken && (
        <Alert color="blue" title="Tokens" data-testid="widget-token-note">
          <Stack gap="xs">
            <Text size="sm">
              Each chat start carries a JWT that the website's server signs with the security key (HS256, the key's text as the HMAC
              key): <Code>sub</Code> the widget ID (<Code>{id}</Code>), <Code>iat</Code> now and <Code>exp</Code> at most 10 minutes
              later, and optionally <Code>attributes</Code>, an object of strings that become the contact's attributes. The page
              gives the widget a function that fetches one, before the tag above:
            </Text>
            <Code block style={{ whiteSpace: 'pre-wrap' }}>{tokenSnippet()}</Code>
          </Stack>
        </Alert>
      )}
    </Stack>
  );
}
