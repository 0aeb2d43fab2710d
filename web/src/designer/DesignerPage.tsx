import { useCallback, useEffect, useMemo, useState } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import {
  applyEdgeChanges,
  applyNodeChanges,
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  type Connection,
  type Edge,
  type EdgeChange,
  type Node,
  type NodeChange,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { Alert, Badge, Box, Button, Drawer, Group, Loader, PasswordInput, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { ApiError } from '../lib/http';
import { ActionNodeView, EntryNodeView, type ActionNodeData } from './ActionNodeView';
import {
  API_KEY_STORAGE, callerInstance, getFlow, publishFlow, resolveInstance, saveFlow, validateFlow, type Auth, type FlowResource,
} from './api';
import { actionLabel, actionTypes } from './catalog';
import { autoLayout } from './layout';
import { addNode, branchesOf, connect, deleteNode, disconnect, edgesOf, ENTRY, moveNode, toFlow, toGraph, type GraphModel } from './model';
import { SidePanel } from './SidePanel';
import { TestPanel } from './TestPanel';
import { byAction, checkModel, fromServer, type Problem } from './validate';

const nodeTypes = { action: ActionNodeView, entry: EntryNodeView };
const INSTANCE_STORAGE = 'sb.instance';

type Status = { kind: 'info' | 'ok' | 'error'; text: string };

// DesignerPage is the flow designer at /admin/flows/:flowId/design. The
// instance comes from ?instance= (an ID or alias), else from the caller's
// session or instance key. Until the console session exists it takes an
// API key from sessionStorage "sb.apiKey" and asks for one when a request
// is refused.
export function DesignerPage() {
  const { flowId = '' } = useParams();
  const [search] = useSearchParams();
  const [auth, setAuth] = useState<Auth>(() => ({ apiKey: sessionStorage.getItem(API_KEY_STORAGE) ?? undefined }));
  const [needKey, setNeedKey] = useState(false);
  const [instanceRef, setInstanceRef] = useState(() => search.get('instance') ?? sessionStorage.getItem(INSTANCE_STORAGE) ?? '');
  const [flow, setFlow] = useState<FlowResource>();
  const [model, setModel] = useState<GraphModel>();
  const [loadError, setLoadError] = useState<string>();
  const [needInstance, setNeedInstance] = useState(false);
  const [dirty, setDirty] = useState(false);
  const [selected, setSelected] = useState<string>();
  const [serverProblems, setServerProblems] = useState<Problem[]>([]);
  const [showChecks, setShowChecks] = useState(false);
  const [status, setStatus] = useState<Status>();
  const [busy, setBusy] = useState<'save' | 'publish'>();
  const [testOpen, setTestOpen] = useState(false);
  const [addType, setAddType] = useState<string | null>('MessageParticipant');
  const narrow = useMediaQuery('(max-width: 720px)') ?? false;

  // ---- loading ----
  useEffect(() => {
    let cancelled = false;
    (async () => {
      setLoadError(undefined);
      try {
        const inst = instanceRef ? await resolveInstance(auth, instanceRef) : await callerInstance(auth);
        if (!inst) {
          if (!cancelled) setNeedInstance(true);
          return;
        }
        const f = await getFlow(auth, inst, flowId);
        if (cancelled) return;
        setNeedInstance(false);
        setFlow(f);
        setModel(autoLayout(toGraph(f.content)));
        setDirty(false);
      } catch (e) {
        if (cancelled) return;
        if (e instanceof ApiError && e.status === 401) setNeedKey(true);
        else setLoadError(e instanceof Error ? e.message : String(e));
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [auth, instanceRef, flowId]);

  // ---- problems ----
  // The server's word wins where both name the same field of an action.
  const problems = useMemo(() => {
    const seen = new Set(serverProblems.map((p) => `${p.action}\u0000${p.field}`));
    const local = showChecks && model ? checkModel(model).filter((p) => !seen.has(`${p.action}\u0000${p.field}`)) : [];
    return [...local, ...serverProblems];
  }, [model, showChecks, serverProblems]);
  const problemsBy = useMemo(() => byAction(problems), [problems]);

  const edit = useCallback((m: GraphModel) => {
    setModel(m);
    setDirty(true);
    setServerProblems([]);
  }, []);

  // ---- React Flow's nodes and edges, rebuilt from the model ----
  const [rfNodes, setRfNodes] = useState<Node[]>([]);
  const [rfEdges, setRfEdges] = useState<Edge[]>([]);
  useEffect(() => {
    if (!model) return;
    setRfNodes((prev) => {
      const old = new Map(prev.map((n) => [n.id, n]));
      const keep = (id: string) => {
        const o = old.get(id);
        return o ? { measured: o.measured, selected: o.selected } : {};
      };
      const entry: Node = { id: ENTRY, type: 'entry', position: model.entryPosition ?? { x: 0, y: 0 }, data: {}, deletable: false, ...keep(ENTRY) };
      return [
        entry,
        ...model.nodes.map((n): Node<ActionNodeData> => ({
          id: n.id,
          type: 'action',
          position: n.position ?? { x: 0, y: 0 },
          data: { action: n.action, branches: branchesOf(n.action), problems: problemsBy.get(n.id) ?? [], isStart: model.start === n.id },
          ...keep(n.id),
        })),
      ];
    });
    setRfEdges((prev) => {
      const sel = new Set(prev.filter((e) => e.selected).map((e) => e.id));
      return edgesOf(model).map((e) => ({
        id: e.id,
        source: e.source,
        sourceHandle: e.sourceHandle,
        target: e.target,
        targetHandle: 'in',
        selected: sel.has(e.id),
        style: e.kind === 'error' ? { stroke: '#fa5252' } : e.kind === 'start' ? { stroke: '#2b8a3e' } : undefined,
      }));
    });
  }, [model, problemsBy]);

  const onNodesChange = useCallback((changes: NodeChange[]) => setRfNodes((n) => applyNodeChanges(changes, n)), []);
  const onEdgesChange = useCallback((changes: EdgeChange[]) => setRfEdges((e) => applyEdgeChanges(changes, e)), []);
  const onConnect = useCallback(
    (c: Connection) => {
      if (!model || !c.target || c.target === ENTRY || !c.sourceHandle) return;
      edit(connect(model, c.source, c.sourceHandle, c.target));
    },
    [model, edit],
  );

  // ---- actions ----
  const save = async (): Promise<FlowResource | undefined> => {
    if (!flow || !model) return undefined;
    setBusy('save');
    try {
      const f = await saveFlow(auth, flow, toFlow(model));
      setFlow(f);
      setDirty(false);
      setStatus({ kind: 'ok', text: `Draft saved (version ${f.version}).` });
      return f;
    } catch (e) {
      report('Save failed', e);
      return undefined;
    } finally {
      setBusy(undefined);
    }
  };

  const publish = async () => {
    if (!flow || !model) return;
    const f = dirty ? await save() : flow;
    if (!f) return;
    setBusy('publish');
    setShowChecks(true);
    try {
      const out = await publishFlow(auth, f);
      setFlow(out);
      setServerProblems([]);
      setStatus({ kind: 'ok', text: `Published version ${out.publishedVersion}.` });
    } catch (e) {
      report('Publish refused', e);
    } finally {
      setBusy(undefined);
    }
  };

  const report = (what: string, e: unknown) => {
    if (e instanceof ApiError) {
      if (e.fields.length > 0) setServerProblems(fromServer(e.fields));
      if (e.status === 401) setNeedKey(true);
      setStatus({ kind: 'error', text: `${what}: ${e.message}` });
    } else {
      setStatus({ kind: 'error', text: `${what}: ${e instanceof Error ? e.message : String(e)}` });
    }
  };

  // validate runs the browser's checks at once, then the server's (the
  // same validator publishing runs) on the document as edited.
  const validate = async () => {
    if (!model || !flow) return;
    setShowChecks(true);
    const local = checkModel(model).length;
    try {
      const res = await validateFlow(auth, flow.instanceId, toFlow(model));
      setServerProblems(fromServer(res.errors));
      const n = local + res.errors.length;
      setStatus(
        n === 0
          ? { kind: 'ok', text: 'No problems found.' }
          : { kind: 'error', text: `${n} problem${n === 1 ? '' : 's'} found: see the highlighted actions.` },
      );
    } catch (e) {
      report('Validate', e);
    }
  };

  const add = () => {
    if (!model || !addType) return;
    const maxX = Math.max(0, ...model.nodes.map((n) => n.position?.x ?? 0));
    const r = addNode(model, addType, { x: maxX + 300, y: 40 });
    edit(r.model);
    setSelected(r.id);
  };

  // ---- rendering ----
  if (needKey) {
    return (
      <KeyForm
        onKey={(k) => {
          sessionStorage.setItem(API_KEY_STORAGE, k);
          setNeedKey(false);
          setAuth({ apiKey: k });
        }}
      />
    );
  }
  if (needInstance) {
    return (
      <InstanceForm
        onInstance={(i) => {
          sessionStorage.setItem(INSTANCE_STORAGE, i);
          setInstanceRef(i);
        }}
      />
    );
  }
  if (loadError) {
    return (
      <Alert m="md" color="red" title="The flow could not be loaded" data-testid="designer-load-error">
        {loadError}
      </Alert>
    );
  }
  if (!flow || !model) {
    return (
      <Group p="md">
        <Loader size="sm" /> <Text>Loading the flow…</Text>
      </Group>
    );
  }

  const docProblems = problemsBy.get('') ?? [];
  const selectedProblems = selected ? problemsBy.get(selected) ?? [] : [];
  const panel = selected && model.nodes.some((n) => n.id === selected) && (
    <SidePanel model={model} nodeId={selected} problems={selectedProblems} onModel={edit} onClose={() => setSelected(undefined)} />
  );
  const test = <TestPanel auth={auth} instanceId={flow.instanceId} flowId={flow.id} publishedVersion={flow.publishedVersion} />;

  return (
    <Stack gap={0} style={{ height: '100dvh' }} data-testid="designer">
      <Group justify="space-between" p="xs" gap="xs" style={{ borderBottom: '1px solid #dee2e6' }} wrap="wrap">
        <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
          <Title order={4} style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} data-testid="designer-flow-name">{flow.name}</Title>
          <Badge variant="light" data-testid="designer-version">
            {flow.publishedVersion ? `published v${flow.publishedVersion}` : 'not published'}
          </Badge>
          {dirty && <Badge color="orange" variant="light" data-testid="designer-dirty">unsaved</Badge>}
        </Group>
        <Group gap="xs" wrap="wrap">
          <Select aria-label="Action type to add" size="xs" w={190} searchable data={actionTypes().map((t) => ({ value: t, label: `${actionLabel(t)} (${t})` }))}
            value={addType} onChange={setAddType} data-testid="designer-add-type" disabled={model.format === 'legacy'} />
          <Button size="xs" variant="light" onClick={add} data-testid="designer-add" disabled={model.format === 'legacy'}>Add</Button>
          <Button size="xs" variant="light" onClick={() => edit(autoLayout(model, true))} data-testid="designer-layout">Auto-layout</Button>
          <Button size="xs" variant="light" onClick={validate} data-testid="designer-validate">Validate</Button>
          <Button size="xs" onClick={() => void save()} loading={busy === 'save'} data-testid="designer-save" disabled={model.format === 'legacy'}>Save draft</Button>
          <Button size="xs" color="green" onClick={() => void publish()} loading={busy === 'publish'} data-testid="designer-publish">Publish</Button>
          <Button size="xs" variant={testOpen ? 'filled' : 'outline'} onClick={() => setTestOpen((o) => !o)} data-testid="designer-test-toggle">Test</Button>
        </Group>
      </Group>
      {status && (
        <Alert py={4} color={status.kind === 'error' ? 'red' : status.kind === 'ok' ? 'green' : 'blue'} data-testid="designer-status"
          withCloseButton onClose={() => setStatus(undefined)}>
          {status.text}
        </Alert>
      )}
      {model.format === 'legacy' && (
        <Alert py={4} color="yellow">This is an old-format export (modules). Import it through the flows list to convert it; it cannot be edited here.</Alert>
      )}
      {docProblems.length > 0 && (
        <Alert py={4} color="red" data-testid="designer-problems">
          {docProblems.map((p, i) => <div key={i}>{p.field}: {p.message}</div>)}
        </Alert>
      )}
      <Box style={{ flex: 1, display: 'flex', minHeight: 0 }}>
        <Box style={{ flex: 1, minWidth: 0, position: 'relative' }} data-testid="designer-canvas">
          <ReactFlow
            nodes={rfNodes}
            edges={rfEdges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            isValidConnection={(c) => c.target !== ENTRY && c.source !== c.target}
            onNodeClick={(_, n) => setSelected(n.id === ENTRY ? undefined : n.id)}
            onPaneClick={() => setSelected(undefined)}
            onNodeDragStop={(_, __, nodes) => {
              let m = model;
              for (const n of nodes) m = moveNode(m, n.id, n.position);
              edit(m);
            }}
            onNodesDelete={(nodes) => {
              let m = model;
              for (const n of nodes) if (n.id !== ENTRY) m = deleteNode(m, n.id);
              if (selected && nodes.some((n) => n.id === selected)) setSelected(undefined);
              edit(m);
            }}
            onEdgesDelete={(edges) => {
              let m = model;
              for (const e of edges) m = disconnect(m, e.source, e.sourceHandle ?? '');
              edit(m);
            }}
            deleteKeyCode={['Backspace', 'Delete']}
            connectionRadius={40}
            fitView
            minZoom={0.1}
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            <Controls />
            {!narrow && <MiniMap pannable zoomable />}
          </ReactFlow>
        </Box>
        {!narrow && (panel || testOpen) && (
          <Box style={{ width: 380, borderLeft: '1px solid #dee2e6', overflowY: 'auto' }}>
            {panel}
            {testOpen && test}
          </Box>
        )}
      </Box>
      {narrow && (
        <Drawer opened={Boolean(panel) || testOpen} onClose={() => { setSelected(undefined); setTestOpen(false); }} position="bottom" size="75%"
          title={panel ? 'Action' : 'Test'}>
          {panel}
          {testOpen && test}
        </Drawer>
      )}
    </Stack>
  );
}

function KeyForm({ onKey }: { onKey: (k: string) => void }) {
  const [k, setK] = useState('');
  return (
    <Stack maw={420} m="xl" component="form" onSubmit={(e) => { e.preventDefault(); if (k.trim()) onKey(k.trim()); }}>
      <Title order={3}>Flow designer</Title>
      <Text size="sm">Log in, or give an API key of this instance (or a deployment-admin key).</Text>
      <PasswordInput label="API key" value={k} onChange={(e) => setK(e.currentTarget.value)} data-testid="designer-api-key" />
      <Button type="submit" data-testid="designer-api-key-submit">Open the designer</Button>
    </Stack>
  );
}

function InstanceForm({ onInstance }: { onInstance: (i: string) => void }) {
  const [v, setV] = useState('');
  return (
    <Stack maw={420} m="xl" component="form" onSubmit={(e) => { e.preventDefault(); if (v.trim()) onInstance(v.trim()); }}>
      <Title order={3}>Flow designer</Title>
      <TextInput label="Instance (ID or alias)" value={v} onChange={(e) => setV(e.currentTarget.value)} data-testid="designer-instance" />
      <Button type="submit" data-testid="designer-instance-submit">Open</Button>
    </Stack>
  );
}
