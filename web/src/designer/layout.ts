// Auto-layout for flows whose actions have no positions (exports written by
// hand or by tools, and every old-format export the importer converted):
// dagre, left to right, in the order of the branches.

import { Graph, layout } from '@dagrejs/dagre';
import { branchesOf, edgesOf, ENTRY, type GraphModel, type Position } from './model';

// The sizes the layout reserves; ActionNodeView draws nodes about this big.
export const NODE_WIDTH = 240;
export const nodeHeight = (branches: number) => 56 + 22 * branches;
const ENTRY_SIZE = { width: 120, height: 40 };

// autoLayout gives positions to the nodes (and the entry point) that have
// none; with all, to every node. Positions are top-left corners, as React
// Flow uses them.
export function autoLayout(m: GraphModel, all = false): GraphModel {
  const missing = m.nodes.some((n) => !n.position) || !m.entryPosition;
  if (!all && !missing) return m;
  const g = new Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 30, ranksep: 90, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  g.setNode(ENTRY, { ...ENTRY_SIZE });
  for (const n of m.nodes) g.setNode(n.id, { width: NODE_WIDTH, height: nodeHeight(branchesOf(n.action).length) });
  for (const e of edgesOf(m)) if (e.source !== e.target) g.setEdge(e.source, e.target);
  layout(g);
  const at = (id: string): Position => {
    const p = g.node(id) as { x: number; y: number; width: number; height: number };
    return { x: Math.round(p.x - p.width / 2), y: Math.round(p.y - p.height / 2) };
  };
  return {
    ...m,
    entryPosition: all || !m.entryPosition ? at(ENTRY) : m.entryPosition,
    nodes: m.nodes.map((n) => (all || !n.position ? { ...n, position: at(n.id) } : n)),
  };
}
