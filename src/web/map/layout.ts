/**
 * Left-to-right layered layout of a small directed graph (the service map), pure and deterministic:
 * cycles broken by a depth-first search from sources in name order, longest-path layering (sources on the left),
 * a virtual node in every layer an edge skips (so a long edge gets a lane there instead of crossing the boxes),
 * a few barycentre sweeps to reduce crossings, then coordinates. Node names are the ids; no text metrics here.
 */

import { edgePath, LANE_H, PARALLEL_OFFSET, type Box, type EdgePath } from './edges.js';

export type { EdgePath } from './edges.js';

export interface LayoutInput {
  nodes: readonly string[];
  edges: ReadonlyArray<{ from: string; to: string }>;
}

export interface NodeBox {
  id: string;
  layer: number;
  /** Position within its layer, top to bottom, among services (long edges' lanes not counted). */
  order: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Layout {
  width: number;
  height: number;
  nodes: NodeBox[];
  edges: EdgePath[];
}

export const NODE_W = 168;
export const NODE_H = 40;
const COL_GAP = 130;
const ROW_GAP = 34;
const MARGIN = 24;
const SWEEPS = 4;
/** Space between a long edge's lane and whatever is next to it in the column (less than between two boxes). */
const LANE_GAP = 14;

export function layout(input: LayoutInput): Layout {
  const nodes = [...new Set([...input.nodes, ...input.edges.flatMap((e) => [e.from, e.to])])].sort(cmp);
  const pairs = uniquePairs(input.edges.filter((e) => e.from !== e.to));
  const forward = acyclic(nodes, pairs);
  const layerOf = longestPath(nodes, forward);
  const proper = splitLongEdges(nodes, forward, layerOf, parallelCounts(input.edges));
  const layers = orderLayers(proper.nodes, proper.forward, proper.layerOf);
  const slots = place(layers, proper.laneHeight);
  const byId = new Map(slots.map((b) => [b.id, b]));
  const seen = new Map<string, number>();
  const edges = input.edges.map((e) => {
    const key = pairKey(e.from, e.to);
    const nth = seen.get(key) ?? 0;
    seen.set(key, nth + 1);
    const lanes = (proper.lanes.get(key) ?? []).map((id) => byId.get(id)!);
    return edgePath(byId.get(e.from)!, byId.get(e.to)!, nth, lanes);
  });
  const boxes = services(layers, byId, proper.laneHeight);
  const width = Math.max(...slots.map((b) => b.x + b.w), 0) + MARGIN;
  // Loops drawn under the lowest node need room.
  const height = Math.max(...slots.map((b) => b.y + b.h), 0) + MARGIN + (edges.some((e) => e.back) ? 40 : 0);
  return { width, height, nodes: boxes, edges };
}

function pairKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

/** Edges per (from, to) pair: a long edge's lanes are as tall as its parallel edges need. */
function parallelCounts(edges: ReadonlyArray<{ from: string; to: string }>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of edges) counts.set(pairKey(e.from, e.to), (counts.get(pairKey(e.from, e.to)) ?? 0) + 1);
  return counts;
}

interface ProperGraph {
  /** The services, then the virtual nodes. */
  nodes: string[];
  forward: Map<string, string[]>;
  layerOf: Map<string, number>;
  /** A long edge's virtual nodes, left to right, by pairKey. */
  lanes: Map<string, string[]>;
  /** A virtual node's height; services are not in it. */
  laneHeight: Map<string, number>;
}

/**
 * Replaces every forward edge that skips layers with a chain through one virtual node per skipped layer, so the
 * ordering sweeps give the edge a slot of its own there, away from the boxes. Virtual ids are NUL-separated, like
 * pairKey, so they do not meet real service names; they are made in sorted pair order, so the layout stays
 * deterministic.
 */
function splitLongEdges(
  nodes: string[], forward: Map<string, string[]>, layerOf: Map<string, number>, counts: Map<string, number>,
): ProperGraph {
  const g: ProperGraph = {
    nodes: [...nodes],
    forward: new Map(nodes.map((n) => [n, []])),
    layerOf: new Map(layerOf),
    lanes: new Map(),
    laneHeight: new Map(),
  };
  for (const [a, bs] of forward) {
    for (const b of bs) {
      const chain: string[] = [];
      for (let l = layerOf.get(a)! + 1; l < layerOf.get(b)!; l++) {
        const v = `\u0000${a}\u0000${b}\u0000${l}`;
        chain.push(v);
        g.nodes.push(v);
        g.layerOf.set(v, l);
        g.forward.set(v, []);
        g.laneHeight.set(v, LANE_H + (counts.get(pairKey(a, b))! - 1) * PARALLEL_OFFSET);
      }
      const path = [a, ...chain, b];
      for (let i = 1; i < path.length; i++) g.forward.get(path[i - 1])!.push(path[i]);
      if (chain.length > 0) g.lanes.set(pairKey(a, b), chain);
    }
  }
  return g;
}

function uniquePairs(edges: ReadonlyArray<{ from: string; to: string }>): Array<[string, string]> {
  const keys = new Set(edges.map((e) => JSON.stringify([e.from, e.to])));
  return [...keys].sort(cmp).map((k) => JSON.parse(k) as [string, string]);
}

/** Drops back edges found by a DFS that starts from sources (then any unvisited node), in name order. */
function acyclic(nodes: string[], pairs: Array<[string, string]>): Map<string, string[]> {
  const out = new Map<string, string[]>(nodes.map((n) => [n, []]));
  const indegree = new Map<string, number>(nodes.map((n) => [n, 0]));
  for (const [a, b] of pairs) {
    out.get(a)!.push(b);
    indegree.set(b, indegree.get(b)! + 1);
  }
  const state = new Map<string, 'open' | 'done'>();
  const kept = new Map<string, string[]>(nodes.map((n) => [n, []]));
  const visit = (n: string): void => {
    state.set(n, 'open');
    for (const m of out.get(n)!) {
      if (state.get(m) === 'open') continue; // a back edge: closes a cycle
      kept.get(n)!.push(m);
      if (!state.has(m)) visit(m);
    }
    state.set(n, 'done');
  };
  const starts = [...nodes.filter((n) => indegree.get(n) === 0), ...nodes];
  for (const n of starts) if (!state.has(n)) visit(n);
  return kept;
}

/** Each node one layer right of its furthest predecessor; sources in layer 0. */
function longestPath(nodes: string[], forward: Map<string, string[]>): Map<string, number> {
  const layer = new Map<string, number>();
  const preds = predecessors(nodes, forward);
  const depth = (n: string): number => {
    const known = layer.get(n);
    if (known !== undefined) return known;
    const d = Math.max(-1, ...preds.get(n)!.map(depth)) + 1;
    layer.set(n, d);
    return d;
  };
  for (const n of nodes) depth(n);
  return layer;
}

function predecessors(nodes: string[], forward: Map<string, string[]>): Map<string, string[]> {
  const preds = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const [a, bs] of forward) for (const b of bs) preds.get(b)!.push(a);
  return preds;
}

/** Name order first, then sweeps that sort each layer by the mean position of its neighbours in other layers. */
function orderLayers(nodes: string[], forward: Map<string, string[]>, layerOf: Map<string, number>): string[][] {
  const count = Math.max(-1, ...layerOf.values()) + 1;
  const layers: string[][] = Array.from({ length: count }, () => []);
  for (const n of nodes) layers[layerOf.get(n)!].push(n);
  const preds = predecessors(nodes, forward);
  const pos = new Map<string, number>();
  const index = () => layers.forEach((l) => l.forEach((n, i) => pos.set(n, (i + 0.5) / l.length)));
  index();
  const sortBy = (layer: string[], neighbours: (n: string) => string[]) => {
    const key = new Map(layer.map((n, i) => {
      const ns = neighbours(n);
      // No neighbours on that side: keep the current place.
      return [n, ns.length === 0 ? (i + 0.5) / layer.length : ns.reduce((s, m) => s + pos.get(m)!, 0) / ns.length];
    }));
    layer.sort((a, b) => key.get(a)! - key.get(b)! || layer.indexOf(a) - layer.indexOf(b));
  };
  for (let s = 0; s < SWEEPS; s++) {
    for (let l = 1; l < count; l++) { sortBy(layers[l], (n) => preds.get(n)!); index(); }
    for (let l = count - 2; l >= 0; l--) { sortBy(layers[l], (n) => forward.get(n)!); index(); }
  }
  return layers;
}

/** Columns left to right, each centred on the tallest one; a lane is shorter than a box and sits closer. */
function place(layers: string[][], laneHeight: Map<string, number>): NodeBox[] {
  const h = (id: string) => laneHeight.get(id) ?? NODE_H;
  const gap = (p: string, q: string) => (laneHeight.has(p) || laneHeight.has(q) ? LANE_GAP : ROW_GAP);
  const columnHeight = (l: string[]) => l.reduce((sum, id, i) => sum + h(id) + (i > 0 ? gap(l[i - 1], id) : 0), 0);
  const tallest = Math.max(0, ...layers.map(columnHeight));
  return layers.flatMap((layer, li) => {
    let y = MARGIN + (tallest - columnHeight(layer)) / 2;
    return layer.map((id, order) => {
      if (order > 0) y += gap(layer[order - 1], id);
      const box = { id, layer: li, order, x: MARGIN + li * (NODE_W + COL_GAP), y, w: NODE_W, h: h(id) };
      y += box.h;
      return box;
    });
  });
}

/** The services' boxes, numbered within their layer without the lanes. */
function services(layers: string[][], byId: Map<string, Box>, laneHeight: Map<string, number>): NodeBox[] {
  return layers.flatMap((layer) =>
    layer.filter((id) => !laneHeight.has(id)).map((id, order) => ({ ...byId.get(id)!, order })));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
