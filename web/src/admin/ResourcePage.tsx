// ResourcePage is the admin console's generic page for one kind of
// resource (kinds.tsx): a table of the instance's items, and a drawer with
// the kind's form to create, edit and delete one. Errors of the API are
// shown on the form's fields.

import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { Alert, Button, Drawer, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useSession, type Session } from '../session/SessionContext';
import { toBody, type FieldSpec, type Option, type Values } from './form';
import { ResourceForm } from './ResourceForm';

export interface Column {
  key: string;
  label: string;
  render?(item: Values): ReactNode;
}

// KindContext is what a kind's hooks get to work with.
export interface KindContext {
  session: Session;
  instanceId: string;
  base: string; // the kind's collection URL
  reload(): void;
}

export interface KindSpec {
  key: string; // nav and test IDs: nav-<key>
  title: string;
  one: string; // "queue"
  path: string; // under /api/v1/instances/<id>/; with deployment scope, the full URL
  scope?: 'instance' | 'deployment';
  perm?: string; // to see the page (default <area>.read); with edit, to change
  editPerm?: string;
  columns: Column[];
  fields: FieldSpec[];
  defaults?: Values;
  noEdit?: boolean; // items are created and deleted, never updated (API keys)
  fromItem?(item: Values): Values;
  toBody?(values: Values, original: Values | undefined): Values;
  // afterCreate may show something once (an API key's value).
  afterCreate?(item: Values): ReactNode;
  rowActions?(item: Values, ctx: KindContext): ReactNode;
  toolbar?(ctx: KindContext): ReactNode;
  editorExtra?(item: Values, ctx: KindContext): ReactNode;
}

export function kindBase(spec: KindSpec, instanceId: string): string {
  return spec.scope === 'deployment' ? spec.path : `/api/v1/instances/${encodeURIComponent(instanceId)}/${spec.path}`;
}

interface ListResponse {
  items: Values[];
  nextToken?: string;
}

// useRefOptions loads the options of the form's ref fields.
function useRefOptions(session: Session, instanceId: string, fields: FieldSpec[], open: boolean) {
  const [opts, setOpts] = useState<Record<string, Option[]>>({});
  const refs = [...new Set(fields.flatMap((f) => (f.ref ? [`${f.ref.path}|${f.ref.label ?? 'name'}`] : [])))].join(',');
  useEffect(() => {
    if (!open || !refs) return;
    let live = true;
    for (const r of refs.split(',')) {
      const [path, label] = r.split('|');
      session
        .api<ListResponse>(`/api/v1/instances/${encodeURIComponent(instanceId)}/${path}?maxResults=1000`)
        .then((l) => live && setOpts((o) => ({ ...o, [path]: l.items.map((i) => ({ value: String(i.id), label: String(i[label] ?? i.id) })) })))
        .catch(() => undefined);
    }
    return () => {
      live = false;
    };
  }, [session, instanceId, refs, open]);
  return opts;
}

export function ResourcePage({ spec, instanceId }: { spec: KindSpec; instanceId: string }) {
  const session = useSession();
  const base = kindBase(spec, instanceId);
  const [items, setItems] = useState<Values[]>();
  const [loadError, setLoadError] = useState<string>();
  const [editing, setEditing] = useState<{ original?: Values; values: Values } | null>(null);
  const [saveError, setSaveError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<ReactNode>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const mobile = useMediaQuery('(max-width: 48em)');
  const mayEdit = !spec.editPerm || session.can(spec.editPerm);

  const reload = useCallback(() => {
    setLoadError(undefined);
    session
      .api<ListResponse>(`${base}?maxResults=1000`)
      .then((l) => setItems(l.items))
      .catch((e: unknown) => setLoadError(e instanceof Error ? e.message : String(e)));
  }, [session, base]);
  useEffect(() => {
    setItems(undefined);
    reload();
  }, [reload]);

  const ctx: KindContext = { session, instanceId, base, reload };
  const refOptions = useRefOptions(session, instanceId, spec.fields, editing !== null);

  function open(item?: Values) {
    setSaveError(undefined);
    setConfirmDelete(false);
    setCreated(undefined);
    setEditing(item ? { original: item, values: spec.fromItem ? spec.fromItem(item) : item } : { values: { ...(spec.defaults ?? {}) } });
  }

  async function save() {
    if (!editing) return;
    setBusy(true);
    setSaveError(undefined);
    try {
      const body = spec.toBody ? spec.toBody(editing.values, editing.original) : toBody(editing.original, editing.values, spec.fields);
      if (editing.original) {
        const v = await session.api<Values>(`${base}/${encodeURIComponent(String(editing.original.id))}`, { method: 'PUT', body });
        void v;
        setEditing(null);
      } else {
        const v = await session.api<Values>(base, { method: 'POST', body });
        const shown = spec.afterCreate?.(v);
        if (shown) {
          setCreated(shown);
        }
        setEditing(shown ? { original: v, values: v } : null);
      }
      reload();
    } catch (e) {
      setSaveError(e);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!editing?.original) return;
    setBusy(true);
    try {
      await session.api(`${base}/${encodeURIComponent(String(editing.original.id))}`, { method: 'DELETE' });
      setEditing(null);
      reload();
    } catch (e) {
      setSaveError(e);
    } finally {
      setBusy(false);
      setConfirmDelete(false);
    }
  }

  const title = editing?.original ? `${spec.noEdit ? '' : 'Edit '}${spec.one} ${String(editing.original.name ?? editing.original.number ?? editing.original.alias ?? '')}` : `New ${spec.one}`;

  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Title order={3}>{spec.title}</Title>
        <Group gap="xs">
          {spec.toolbar?.(ctx)}
          {mayEdit && (
            <Button onClick={() => open()} data-testid="create-button">
              New {spec.one}
            </Button>
          )}
        </Group>
      </Group>
      {loadError && <Alert color="red">{loadError}</Alert>}
      {!items && !loadError && <Loader size="sm" aria-label="Loading" />}
      {items && (
        <Table.ScrollContainer minWidth={480}>
          <Table striped highlightOnHover data-testid={`table-${spec.key}`}>
            <Table.Thead>
              <Table.Tr>
                {spec.columns.map((c) => (
                  <Table.Th key={c.key}>{c.label}</Table.Th>
                ))}
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={spec.columns.length + 1}>
                    <Text c="dimmed" size="sm">None yet.</Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {items.map((it) => (
                <Table.Tr key={String(it.id)} data-testid={`row-${String(it.name ?? it.number ?? it.alias ?? it.id)}`} style={{ cursor: 'pointer' }}
                  onClick={(e) => {
                    // A click on the row opens it (on a phone the Edit button may be scrolled out of view).
                    if (!(e.target as HTMLElement).closest('a,button,input')) open(it);
                  }}>
                  {spec.columns.map((c) => (
                    <Table.Td key={c.key}>{c.render ? c.render(it) : String(it[c.key] ?? '')}</Table.Td>
                  ))}
                  <Table.Td>
                    <Group gap={4} justify="flex-end" wrap="nowrap">
                      {spec.rowActions?.(it, ctx)}
                      <Button size="xs" variant="light" onClick={() => open(it)} data-testid={`edit-${String(it.id)}`}>
                        {spec.noEdit || !mayEdit ? 'View' : 'Edit'}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Drawer opened={editing !== null} onClose={() => setEditing(null)} position="right" size={mobile ? '100%' : 'xl'} title={<Text fw={600}>{title}</Text>}>
        {editing && (
          <Stack>
            {created}
            {!(spec.noEdit && editing.original) && (
              <form onSubmit={(e) => {
                e.preventDefault();
                void save();
              }}>
                <Stack>
                  <ResourceForm fields={spec.fields} values={editing.values} error={saveError} editing={!!editing.original}
                    refOptions={refOptions} onChange={(values) => setEditing({ ...editing, values })} />
                  {mayEdit && (
                    <Group>
                      <Button type="submit" loading={busy} data-testid="save-button">
                        {editing.original ? 'Save' : 'Create'}
                      </Button>
                    </Group>
                  )}
                </Stack>
              </form>
            )}
            {spec.noEdit && editing.original && !created && (
              <Stack gap={4}>
                {spec.columns.map((c) => (
                  <Text key={c.key} size="sm">
                    <b>{c.label}:</b> {c.render ? c.render(editing.original!) : String(editing.original![c.key] ?? '')}
                  </Text>
                ))}
                {saveError !== undefined && <Alert color="red">{saveError instanceof Error ? saveError.message : String(saveError)}</Alert>}
              </Stack>
            )}
            {editing.original && spec.editorExtra?.(editing.original, ctx)}
            {editing.original && mayEdit && (
              <Group>
                {confirmDelete ? (
                  <>
                    <Button color="red" loading={busy} onClick={() => void remove()} data-testid="confirm-delete-button">
                      Really delete
                    </Button>
                    <Button variant="default" onClick={() => setConfirmDelete(false)}>Cancel</Button>
                  </>
                ) : (
                  <Button color="red" variant="outline" onClick={() => setConfirmDelete(true)} data-testid="delete-button">
                    Delete
                  </Button>
                )}
              </Group>
            )}
          </Stack>
        )}
      </Drawer>
    </Stack>
  );
}
