// ResourcePage is the admin console's generic page for one kind of
// resource (kinds.tsx): a table of the instance's items, and a drawer with
// the kind's form to create, edit and delete one. Errors of the API are
// shown on the form's fields.

import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { Alert, Button, Drawer, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useSession, type Session } from '../session/SessionContext';
import { ApiError } from '../lib/http';
import { toBody, type FieldSpec, type Values } from './form';
import { fetchPages, listAll, pageUrl, REF_PAGE, TABLE_PAGE, type Page } from './paging';
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
  fromItem?(item: Values | undefined): Values;
  // errorField renames an API error's field to the form field it is about,
  // when the form's values are not the API's JSON (see routingProfile.ts).
  errorField?(field: string, values: Values): string;
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

// useRefItems loads, while the form is open, every item of the kinds the
// form's ref fields name (all pages: a select offers them all).
function useRefItems(session: Session, instanceId: string, fields: FieldSpec[], open: boolean) {
  const [items, setItems] = useState<Record<string, Values[]>>({});
  const paths = [...new Set(fields.flatMap((f) => (f.ref ? [f.ref.path] : [])))].join(',');
  useEffect(() => {
    if (!open || !paths) return;
    let live = true;
    for (const path of paths.split(',')) {
      const base = `/api/v1/instances/${encodeURIComponent(instanceId)}/${path}`;
      listAll<Values>((token) => session.api<Page<Values>>(pageUrl(base, REF_PAGE, token)))
        .then((l) => live && setItems((o) => ({ ...o, [path]: l })))
        .catch(() => undefined);
    }
    return () => {
      live = false;
    };
  }, [session, instanceId, paths, open]);
  return items;
}

// withFormFields renames the fields of an API error to the form's (a kind
// whose form differs from its JSON says how, with errorField).
function withFormFields(err: unknown, spec: KindSpec, values: Values): unknown {
  if (!(err instanceof ApiError) || !spec.errorField) return err;
  return new ApiError(err.status, err.code, err.message, err.fields.map((f) => ({ ...f, field: spec.errorField!(f.field, values) })));
}

// rowId is a row's test ID: its name, number, alias or username.
function rowId(it: Values): string {
  return String(it.name ?? it.number ?? it.alias ?? it.username ?? it.id);
}

export function ResourcePage({ spec, instanceId }: { spec: KindSpec; instanceId: string }) {
  const session = useSession();
  const base = kindBase(spec, instanceId);
  const [items, setItems] = useState<Values[]>();
  const [nextToken, setNextToken] = useState<string>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [loadError, setLoadError] = useState<string>();
  const [editing, setEditing] = useState<{ original?: Values; values: Values } | null>(null);
  const [saveError, setSaveError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<ReactNode>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const mobile = useMediaQuery('(max-width: 48em)');
  const mayEdit = !spec.editPerm || session.can(spec.editPerm);

  const fetchPage = useCallback((token: string | undefined) => session.api<Page<Values>>(pageUrl(base, TABLE_PAGE, token)), [session, base]);
  // shown is how many rows the table shows: a reload after an edit loads
  // as many pages again, so the row just edited stays in view.
  const shown = useRef(0);
  const reload = useCallback(() => {
    setLoadError(undefined);
    fetchPages(fetchPage, Math.max(shown.current, 1))
      .then((p) => {
        shown.current = p.items.length;
        setItems(p.items);
        setNextToken(p.nextToken);
      })
      .catch((e: unknown) => setLoadError(e instanceof Error ? e.message : String(e)));
  }, [fetchPage]);
  useEffect(() => {
    setItems(undefined);
    shown.current = 0;
    reload();
  }, [reload]);

  async function loadMore() {
    if (!nextToken) return;
    setLoadingMore(true);
    setLoadError(undefined);
    try {
      const p = await fetchPage(nextToken);
      setItems((old) => {
        const all = [...(old ?? []), ...p.items];
        shown.current = all.length;
        return all;
      });
      setNextToken(p.nextToken || undefined);
    } catch (e) {
      setLoadError(e instanceof Error ? e.message : String(e));
    } finally {
      setLoadingMore(false);
    }
  }

  const ctx: KindContext = { session, instanceId, base, reload };
  const refItems = useRefItems(session, instanceId, spec.fields, editing !== null);

  function open(item?: Values) {
    setSaveError(undefined);
    setConfirmDelete(false);
    setCreated(undefined);
    setEditing(item ? { original: item, values: spec.fromItem ? spec.fromItem(item) : item }
      : { values: { ...(spec.defaults ?? {}), ...(spec.fromItem ? spec.fromItem(undefined) : {}) } });
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
                <Table.Tr key={String(it.id)} data-testid={`row-${rowId(it)}`} style={{ cursor: 'pointer' }}
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
      {items && nextToken && (
        <Group justify="center">
          <Button variant="default" loading={loadingMore} onClick={() => void loadMore()} data-testid="load-more">
            Load more
          </Button>
        </Group>
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
                  <ResourceForm fields={spec.fields} values={editing.values} error={withFormFields(saveError, spec, editing.values)} editing={!!editing.original}
                    refItems={refItems} onChange={(values) => setEditing({ ...editing, values })} />
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
