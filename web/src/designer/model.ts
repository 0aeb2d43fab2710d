// The designer's model of a flow document (the Amazon Connect flow language:
// Version, StartAction, Metadata, Actions[]) and its conversion to and from
// a graph: one node per action, one edge per branch (NextAction, each
// Condition, each Error type), plus the entry point.
//
// The conversion is lossless: toFlow(toGraph(doc)) gives back the document
// key for key, in the same order. To get there a node keeps its action's raw
// JSON (unknown fields, Parameters, Transitions with their order) and the
// edges are a view computed from it; every edit changes the raw action and
// the view follows. The document's other members (Metadata, Settings, fields
// the designer does not know) are kept as read and only touched where an
// edit has to: positions, a deleted action's editor data.

import { lookupAction } from './catalog';

export interface Position {
  x: number;
  y: number;
}

export type JsonObject = Record<string, unknown>;

export interface ConditionTransition {
  NextAction?: string;
  Condition?: { Operator?: string; Operands?: unknown[] } & JsonObject;
  [k: string]: unknown;
}

export interface ErrorTransition {
  NextAction?: string;
  ErrorType?: string;
  [k: string]: unknown;
}

export interface Transitions {
  NextAction?: string;
  Conditions?: ConditionTransition[];
  Errors?: ErrorTransition[];
  [k: string]: unknown;
}

// RawAction is one element of Actions[] as the document has it.
export interface RawAction {
  Identifier: string;
  Type: string;
  Parameters?: JsonObject;
  Transitions?: Transitions;
  [k: string]: unknown;
}

export interface ActionNode {
  // id is the action's Identifier.
  id: string;
  action: RawAction;
  // position is the canvas position: from Metadata.ActionMetadata when the
  // document has one, from auto-layout or a drag otherwise.
  position?: Position;
}

export interface GraphModel {
  // format is 'legacy' for the older console export ("modules"): the
  // designer shows it read-only (importing it through the API converts it).
  format: 'current' | 'legacy';
  // doc is the document as read (a private deep copy); toFlow starts from it.
  doc: JsonObject;
  start?: string;
  entryPosition?: Position;
  nodes: ActionNode[];
}

export type BranchKind = 'next' | 'condition' | 'error';

// Branch is one source handle of a node: a way the action can go on.
export interface Branch {
  // handle is the handle id: 'next', 'cond:<index>' or 'err:<ErrorType>'.
  handle: string;
  kind: BranchKind;
  label: string;
  target?: string;
}

export interface BranchEdge {
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
  kind: BranchKind | 'start';
  label: string;
}

// ENTRY is the id of the entry-point node (its one edge is StartAction).
export const ENTRY = '__entry__';

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));
const isObj = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function readPosition(v: unknown): Position | undefined {
  if (!isObj(v)) return undefined;
  const { x, y } = v;
  return typeof x === 'number' && typeof y === 'number' ? { x, y } : undefined;
}

// toGraph reads a flow document (parsed JSON) into the designer's model.
export function toGraph(input: unknown): GraphModel {
  const doc = isObj(input) ? clone(input) : {};
  if (!Array.isArray(doc.Actions) && Array.isArray(doc.modules)) {
    return { format: 'legacy', doc, nodes: [] };
  }
  const meta = isObj(doc.Metadata) ? doc.Metadata : {};
  const am = isObj(meta.ActionMetadata) ? meta.ActionMetadata : {};
  const actions = Array.isArray(doc.Actions) ? doc.Actions : [];
  const nodes: ActionNode[] = actions.filter(isObj).map((a) => {
    const action = clone(a) as RawAction;
    const id = String(action.Identifier ?? '');
    const m = am[id];
    return { id, action, position: isObj(m) ? readPosition(m.position) : undefined };
  });
  return {
    format: 'current',
    doc,
    start: typeof doc.StartAction === 'string' ? doc.StartAction : undefined,
    entryPosition: readPosition(meta.entryPointPosition),
    nodes,
  };
}

const samePos = (a: unknown, b: Position) => {
  const p = readPosition(a);
  return p !== undefined && p.x === b.x && p.y === b.y;
};
const rounded = (p: Position): Position => ({ x: Math.round(p.x), y: Math.round(p.y) });

// toFlow writes the model back as a flow document. Positions are written
// into Metadata (entryPointPosition, ActionMetadata[id].position) where
// they differ from what the document had; nothing else in Metadata changes.
export function toFlow(m: GraphModel): JsonObject {
  const out = clone(m.doc);
  if (m.format === 'legacy') return out;
  if ('StartAction' in out || m.start !== undefined) out.StartAction = m.start ?? '';
  if ('Actions' in out || m.nodes.length > 0) out.Actions = m.nodes.map((n) => clone(n.action));
  const placed = m.nodes.filter((n) => n.position);
  if (placed.length === 0 && !m.entryPosition) return out;
  if (!isObj(out.Metadata)) {
    // Keep the usual member order for a document that had no Metadata.
    const { Actions, ...rest } = out;
    for (const k of Object.keys(out)) delete out[k];
    Object.assign(out, rest, { Metadata: {} }, Actions === undefined ? {} : { Actions });
  }
  const md = out.Metadata as JsonObject;
  if (m.entryPosition && !samePos(md.entryPointPosition, m.entryPosition)) {
    md.entryPointPosition = rounded(m.entryPosition);
  }
  if (placed.length === 0) return out;
  if (!isObj(md.ActionMetadata)) md.ActionMetadata = {};
  const am = md.ActionMetadata as JsonObject;
  for (const n of placed) {
    const pos = n.position as Position;
    const e = am[n.id];
    if (isObj(e)) {
      if (!samePos(e.position, pos)) e.position = rounded(pos);
    } else {
      am[n.id] = { position: rounded(pos) };
    }
  }
  return out;
}

// newFlow is the document of a flow made from scratch: one action that
// disconnects.
export function newFlow(): JsonObject {
  return {
    Version: '2019-10-30',
    StartAction: 'disconnect',
    Metadata: { entryPointPosition: { x: 40, y: 40 }, ActionMetadata: { disconnect: { position: { x: 260, y: 40 } } } },
    Actions: [{ Identifier: 'disconnect', Type: 'DisconnectParticipant', Parameters: {}, Transitions: {} }],
  };
}

const opSymbols: Record<string, string> = {
  Equals: '=',
  TextStartsWith: 'starts with',
  TextEndsWith: 'ends with',
  TextContains: 'contains',
  NumberGreaterThan: '>',
  NumberGreaterOrEqualTo: '≥',
  NumberLessThan: '<',
  NumberLessOrEqualTo: '≤',
};

// conditionLabel renders a condition compactly: "= 1", "> 10", "And(…)".
export function conditionLabel(c: ConditionTransition['Condition']): string {
  if (!c) return '?';
  const op = c.Operator ?? '?';
  const operands = (c.Operands ?? []).map((o) => (typeof o === 'string' ? o : isObj(o) ? conditionLabel(o) : JSON.stringify(o)));
  const sym = opSymbols[op];
  return sym ? `${sym} ${operands.join(', ')}` : `${op}(${operands.join(', ')})`;
}

// branchesOf lists the source handles of an action: Success (unless it ends
// the flow and has no NextAction), one per Condition in document order, and
// one per error type: the catalogue's first, then any other the action has.
export function branchesOf(a: RawAction): Branch[] {
  const spec = lookupAction(a.Type);
  const t = a.Transitions ?? {};
  const out: Branch[] = [];
  if (!spec?.terminal || t.NextAction) {
    out.push({ handle: 'next', kind: 'next', label: 'Success', target: t.NextAction || undefined });
  }
  (t.Conditions ?? []).forEach((c, i) => {
    out.push({ handle: `cond:${i}`, kind: 'condition', label: conditionLabel(c.Condition), target: c.NextAction || undefined });
  });
  const errs = t.Errors ?? [];
  const types = [...(spec?.errors ?? []).map((e) => e.type)];
  for (const e of errs) if (e.ErrorType && !types.includes(e.ErrorType)) types.push(e.ErrorType);
  for (const typ of types) {
    const e = errs.find((x) => x.ErrorType === typ);
    out.push({ handle: `err:${typ}`, kind: 'error', label: typ, target: e?.NextAction || undefined });
  }
  return out;
}

// edgesOf lists the graph's edges: the entry point's and every branch that
// names an existing action (a dangling one is a validation error instead).
export function edgesOf(m: GraphModel): BranchEdge[] {
  const ids = new Set(m.nodes.map((n) => n.id));
  const out: BranchEdge[] = [];
  if (m.start && ids.has(m.start)) {
    out.push({ id: `${ENTRY}|start`, source: ENTRY, sourceHandle: 'start', target: m.start, kind: 'start', label: 'Start' });
  }
  for (const n of m.nodes) {
    for (const b of branchesOf(n.action)) {
      if (b.target && ids.has(b.target)) {
        out.push({ id: `${n.id}|${b.handle}`, source: n.id, sourceHandle: b.handle, target: b.target, kind: b.kind, label: b.label });
      }
    }
  }
  return out;
}

// ---- edits: each returns a new model and leaves its argument alone ----

function withAction(m: GraphModel, id: string, edit: (a: RawAction) => void): GraphModel {
  return {
    ...m,
    nodes: m.nodes.map((n) => {
      if (n.id !== id) return n;
      const action = clone(n.action);
      edit(action);
      return { ...n, action };
    }),
  };
}

// connect points branch handle of action source at target (the entry
// point's handle sets StartAction).
export function connect(m: GraphModel, source: string, handle: string, target: string): GraphModel {
  if (source === ENTRY) return { ...m, start: target };
  return withAction(m, source, (a) => {
    const t = (a.Transitions ??= {});
    if (handle === 'next') {
      t.NextAction = target;
    } else if (handle.startsWith('cond:')) {
      const c = t.Conditions?.[Number(handle.slice(5))];
      if (c) c.NextAction = target;
    } else if (handle.startsWith('err:')) {
      const typ = handle.slice(4);
      const errs = (t.Errors ??= []);
      const e = errs.find((x) => x.ErrorType === typ);
      if (e) e.NextAction = target;
      else errs.push({ NextAction: target, ErrorType: typ });
    }
  });
}

// disconnect removes the branch behind an edge: NextAction is dropped, an
// error branch is removed, a condition keeps its test but loses its target
// (the validator then asks for one).
export function disconnect(m: GraphModel, source: string, handle: string): GraphModel {
  if (source === ENTRY) return { ...m, start: undefined };
  return withAction(m, source, (a) => {
    const t = a.Transitions;
    if (!t) return;
    if (handle === 'next') {
      delete t.NextAction;
    } else if (handle.startsWith('cond:')) {
      const c = t.Conditions?.[Number(handle.slice(5))];
      if (c) delete c.NextAction;
    } else if (handle.startsWith('err:')) {
      const typ = handle.slice(4);
      if (t.Errors) t.Errors = t.Errors.filter((e) => e.ErrorType !== typ);
    }
  });
}

// deleteNode removes an action, every branch leading to it and its editor
// data in Metadata.
export function deleteNode(m: GraphModel, id: string): GraphModel {
  const doc = clone(m.doc);
  const md = doc.Metadata;
  if (isObj(md) && isObj(md.ActionMetadata)) delete md.ActionMetadata[id];
  const nodes = m.nodes
    .filter((n) => n.id !== id)
    .map((n) => {
      const t = n.action.Transitions;
      const pointsHere =
        t && (t.NextAction === id || t.Conditions?.some((c) => c.NextAction === id) || t.Errors?.some((e) => e.NextAction === id));
      if (!pointsHere) return n;
      const action = clone(n.action);
      const nt = action.Transitions as Transitions;
      if (nt.NextAction === id) delete nt.NextAction;
      for (const c of nt.Conditions ?? []) if (c.NextAction === id) delete c.NextAction;
      if (nt.Errors) nt.Errors = nt.Errors.filter((e) => e.NextAction !== id);
      return { ...n, action };
    });
  return { ...m, doc, nodes, start: m.start === id ? undefined : m.start };
}

// setParameters replaces an action's Parameters.
export function setParameters(m: GraphModel, id: string, params: JsonObject): GraphModel {
  return withAction(m, id, (a) => {
    a.Parameters = clone(params);
  });
}

// setParameter sets (or, with undefined, removes) one parameter.
export function setParameter(m: GraphModel, id: string, name: string, value: unknown): GraphModel {
  return withAction(m, id, (a) => {
    const ps = (a.Parameters ??= {});
    if (value === undefined) delete ps[name];
    else ps[name] = clone(value);
  });
}

// setConditions replaces an action's Conditions (an empty list removes the
// member).
export function setConditions(m: GraphModel, id: string, conds: ConditionTransition[]): GraphModel {
  return withAction(m, id, (a) => {
    const t = (a.Transitions ??= {});
    if (conds.length === 0) delete t.Conditions;
    else t.Conditions = clone(conds);
  });
}

// moveNode records a node's canvas position.
export function moveNode(m: GraphModel, id: string, pos: Position): GraphModel {
  if (id === ENTRY) return { ...m, entryPosition: pos };
  return { ...m, nodes: m.nodes.map((n) => (n.id === id ? { ...n, position: pos } : n)) };
}

// addNode appends an action of type typ with a fresh Identifier.
export function addNode(m: GraphModel, typ: string, pos?: Position): { model: GraphModel; id: string } {
  const id = newIdentifier(new Set(m.nodes.map((n) => n.id)));
  const action: RawAction = { Identifier: id, Type: typ, Parameters: {}, Transitions: {} };
  return { model: { ...m, nodes: [...m.nodes, { id, action, position: pos }] }, id };
}

function newIdentifier(taken: Set<string>): string {
  for (;;) {
    const id =
      typeof crypto !== 'undefined' && 'randomUUID' in crypto
        ? crypto.randomUUID()
        : `a-${Math.random().toString(16).slice(2)}-${Date.now().toString(16)}`;
    if (!taken.has(id)) return id;
  }
}
