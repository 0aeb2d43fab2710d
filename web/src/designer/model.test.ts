import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addNode,
  branchesOf,
  connect,
  deleteNode,
  disconnect,
  edgesOf,
  ENTRY,
  moveNode,
  setParameter,
  toFlow,
  toGraph,
  type RawAction,
} from './model';
import { lookupAction } from './catalog';

// The real Amazon Connect exports (a copy of ../shared/flows/connect).
const corpusDir = resolve(process.cwd(), '../internal/flow/testdata/connect');
const files = readdirSync(corpusDir)
  .filter((f) => f.endsWith('.json'))
  .sort();

const normalise = (v: unknown) => JSON.parse(JSON.stringify(v));

describe('flow ↔ graph round trip over the corpus', () => {
  it('finds the corpus', () => {
    expect(files.length).toBeGreaterThanOrEqual(110);
  });

  for (const f of files) {
    it(`${f} round-trips without loss`, () => {
      const text = readFileSync(join(corpusDir, f), 'utf8');
      const doc = JSON.parse(text);
      const g = toGraph(doc);
      const back = toFlow(g);
      // Deep equality, and the same member order (so a save changes only
      // what the user changed).
      expect(normalise(back)).toStrictEqual(normalise(doc));
      expect(JSON.stringify(back)).toBe(JSON.stringify(doc));
      if (Array.isArray(doc.Actions)) {
        expect(g.format).toBe('current');
        expect(g.nodes.map((n) => n.id)).toStrictEqual(doc.Actions.map((a: RawAction) => a.Identifier));
        expect(g.start).toBe(doc.StartAction);
        // Every branch with a target that exists is an edge with a handle
        // the node draws.
        const ids = new Set(g.nodes.map((n) => n.id));
        let want = doc.StartAction && ids.has(doc.StartAction) ? 1 : 0;
        for (const a of doc.Actions as RawAction[]) {
          const t = a.Transitions ?? {};
          for (const x of [t.NextAction, ...(t.Conditions ?? []).map((c) => c.NextAction), ...(t.Errors ?? []).map((e) => e.NextAction)]) {
            if (x && ids.has(x)) want++;
          }
        }
        const edges = edgesOf(g);
        expect(edges.length).toBe(want);
        for (const e of edges) {
          if (e.source === ENTRY) continue;
          const n = g.nodes.find((x) => x.id === e.source)!;
          expect(branchesOf(n.action).map((b) => b.handle)).toContain(e.sourceHandle);
        }
      } else {
        expect(g.format).toBe('legacy');
      }
    });
  }

  it('knows every action type the current-format exports use', () => {
    const unknown = new Set<string>();
    for (const f of files) {
      const doc = JSON.parse(readFileSync(join(corpusDir, f), 'utf8'));
      for (const a of (doc.Actions ?? []) as RawAction[]) if (!lookupAction(a.Type)) unknown.add(a.Type);
    }
    expect([...unknown]).toStrictEqual([]);
  });
});

const small = () => ({
  Version: '2019-10-30',
  StartAction: 'a',
  Metadata: { entryPointPosition: { x: 1, y: 2 }, ActionMetadata: { a: { position: { x: 10, y: 20 }, isFriendlyName: true } } },
  Actions: [
    { Identifier: 'a', Type: 'GetParticipantInput', Parameters: { Text: 'Press 1', StoreInput: 'False', InputTimeLimitSeconds: '5' },
      Transitions: { NextAction: 'b', Conditions: [{ NextAction: 'b', Condition: { Operator: 'Equals', Operands: ['1'] } }],
        Errors: [{ NextAction: 'c', ErrorType: 'NoMatchingError' }] } },
    { Identifier: 'b', Type: 'MessageParticipant', Parameters: { Text: 'Hi' }, Transitions: { NextAction: 'c' } },
    { Identifier: 'c', Type: 'DisconnectParticipant', Parameters: {}, Transitions: {} },
  ],
});

describe('graph edits', () => {
  it('draws a handle per branch, catalogue error types included', () => {
    const g = toGraph(small());
    expect(branchesOf(g.nodes[0].action).map((b) => b.handle)).toStrictEqual([
      'next', 'cond:0', 'err:NoMatchingError', 'err:NoMatchingCondition', 'err:InputTimeLimitExceeded', 'err:InvalidPhoneNumber',
    ]);
    expect(branchesOf(g.nodes[2].action)).toStrictEqual([]);
  });

  it('connects, disconnects and deletes, updating the transitions', () => {
    let g = toGraph(small());
    g = connect(g, 'a', 'err:InputTimeLimitExceeded', 'b');
    g = connect(g, 'a', 'cond:0', 'c');
    g = disconnect(g, 'a', 'err:NoMatchingError');
    let out = toFlow(g) as { Actions: RawAction[] };
    expect(out.Actions[0].Transitions).toStrictEqual({
      NextAction: 'b',
      Conditions: [{ NextAction: 'c', Condition: { Operator: 'Equals', Operands: ['1'] } }],
      Errors: [{ NextAction: 'b', ErrorType: 'InputTimeLimitExceeded' }],
    });
    g = deleteNode(g, 'b');
    out = toFlow(g) as { Actions: RawAction[] };
    expect(out.Actions.map((a) => a.Identifier)).toStrictEqual(['a', 'c']);
    expect(out.Actions[0].Transitions).toStrictEqual({
      Conditions: [{ NextAction: 'c', Condition: { Operator: 'Equals', Operands: ['1'] } }],
      Errors: [],
    });
    g = connect(g, ENTRY, 'start', 'c');
    expect(toFlow(g).StartAction).toBe('c');
  });

  it('writes moved and new positions into Metadata, keeping the rest', () => {
    let g = toGraph(small());
    g = moveNode(g, 'a', { x: 100.4, y: 200.6 });
    g = moveNode(g, 'c', { x: 5, y: 6 });
    g = setParameter(g, 'b', 'Text', 'Hello there');
    const r = addNode(g, 'EndFlowExecution', { x: 7, y: 8 });
    const out = toFlow(r.model) as { Metadata: { ActionMetadata: Record<string, unknown> }; Actions: RawAction[] };
    expect(out.Metadata.ActionMetadata.a).toStrictEqual({ position: { x: 100, y: 201 }, isFriendlyName: true });
    expect(out.Metadata.ActionMetadata.c).toStrictEqual({ position: { x: 5, y: 6 } });
    expect(out.Metadata.ActionMetadata[r.id]).toStrictEqual({ position: { x: 7, y: 8 } });
    expect(out.Actions[1].Parameters).toStrictEqual({ Text: 'Hello there' });
    expect(out.Actions[3]).toStrictEqual({ Identifier: r.id, Type: 'EndFlowExecution', Parameters: {}, Transitions: {} });
  });

  it('adds Metadata for a document without it', () => {
    const doc = { Version: '2019-10-30', StartAction: 'x', Actions: [{ Identifier: 'x', Type: 'EndFlowExecution', Transitions: {} }] };
    expect(toFlow(toGraph(doc))).toStrictEqual(doc);
    const out = toFlow(moveNode(toGraph(doc), 'x', { x: 3, y: 4 }));
    expect(Object.keys(out)).toStrictEqual(['Version', 'StartAction', 'Metadata', 'Actions']);
    expect(out.Metadata).toStrictEqual({ ActionMetadata: { x: { position: { x: 3, y: 4 } } } });
  });
});

describe('auto-layout', () => {
  it('places every action of a flow without positions, left to right', async () => {
    const { autoLayout } = await import('./layout');
    const doc = small();
    doc.Metadata = {} as typeof doc.Metadata;
    const g = autoLayout(toGraph(doc));
    const pos = Object.fromEntries(g.nodes.map((n) => [n.id, n.position!]));
    expect(Object.keys(pos)).toStrictEqual(['a', 'b', 'c']);
    expect(pos.a.x).toBeLessThan(pos.b.x);
    expect(pos.b.x).toBeLessThan(pos.c.x);
    expect(g.entryPosition!.x).toBeLessThan(pos.a.x);
    // Saving writes them into Metadata.ActionMetadata.
    const out = toFlow(g) as { Metadata: { ActionMetadata: Record<string, { position: unknown }>; entryPointPosition: unknown } };
    expect(out.Metadata.ActionMetadata.b.position).toStrictEqual(pos.b);
    expect(out.Metadata.entryPointPosition).toStrictEqual(g.entryPosition);
  });

  it('keeps the positions an export has', async () => {
    const { autoLayout } = await import('./layout');
    const doc = JSON.parse(readFileSync(join(corpusDir, files.find((f) => JSON.parse(readFileSync(join(corpusDir, f), 'utf8')).Actions)!), 'utf8'));
    const g = toGraph(doc);
    expect(autoLayout(g)).toBe(g);
  });
});
