// The parts of admin pages that are not forms: a prompt's audio (upload a
// WAV, listen), and flow import and export.

import { useEffect, useState } from 'react';
import { Alert, Button, Checkbox, FileButton, FileInput, Group, List, Modal, Stack, Text, TextInput } from '@mantine/core';
import { ApiError } from '../lib/http';
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
