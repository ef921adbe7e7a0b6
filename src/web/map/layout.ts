/**
 * Left-to-right layered layout of a small directed graph (the service map), pure and deterministic:
 * cycles broken by a depth-first search from sources in name order, longest-path layering (sources on the left),
 * a few barycentre sweeps to reduce crossings, then coordinates. Node names are the ids; no text metrics here.
 */

export interface LayoutInput {
  nodes: readonly string[];
  edges: ReadonlyArray<{ from: string; to: string }>;
}

export interface NodeBox {
  id: string;
  layer: number;
  /** Position within its layer, top to bottom. */
  order: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface EdgePath {
  from: string;
  to: string;
  /** SVG path data, a cubic curve from the source's right side to the target's left side (or a loop back). */
  d: string;
  label: { x: number; y: number };
  /** Drawn against the flow: part of a cycle, or a self call. */
  back: boolean;
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
/** Vertical spread between parallel edges of one pair (a normal and a broken edge). */
const PARALLEL_OFFSET = 16;

export function layout(input: LayoutInput): Layout {
  const nodes = [...new Set([...input.nodes, ...input.edges.flatMap((e) => [e.from, e.to])])].sort(cmp);
  const pairs = uniquePairs(input.edges.filter((e) => e.from !== e.to));
  const forward = acyclic(nodes, pairs);
  const layerOf = longestPath(nodes, forward);
  const layers = orderLayers(nodes, forward, layerOf);
  const boxes = place(layers);
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const seen = new Map<string, number>();
  const edges = input.edges.map((e) => {
    const key = `${e.from}\u0000${e.to}`;
    const nth = seen.get(key) ?? 0;
    seen.set(key, nth + 1);
    return edgePath(byId.get(e.from)!, byId.get(e.to)!, nth);
  });
  const width = Math.max(...boxes.map((b) => b.x + b.w), 0) + MARGIN;
  // Loops drawn under the lowest node need room.
  const height = Math.max(...boxes.map((b) => b.y + b.h), 0) + MARGIN + (edges.some((e) => e.back) ? 40 : 0);
  return { width, height, nodes: boxes, edges };
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

/** Columns left to right, each centred on the tallest one. */
function place(layers: string[][]): NodeBox[] {
  const tallest = Math.max(0, ...layers.map((l) => l.length));
  const columnHeight = (n: number) => n * NODE_H + (n - 1) * ROW_GAP;
  return layers.flatMap((layer, li) => {
    const top = MARGIN + (columnHeight(tallest) - columnHeight(layer.length)) / 2;
    return layer.map((id, order) => ({
      id,
      layer: li,
      order,
      x: MARGIN + li * (NODE_W + COL_GAP),
      y: top + order * (NODE_H + ROW_GAP),
      w: NODE_W,
      h: NODE_H,
    }));
  });
}

function edgePath(a: NodeBox, b: NodeBox, nth: number): EdgePath {
  const off = nth * PARALLEL_OFFSET;
  if (b.layer > a.layer) {
    const [x1, y1, x2, y2] = [a.x + a.w, a.y + a.h / 2 + off / 2, b.x, b.y + b.h / 2 + off / 2];
    const dx = Math.max(40, (x2 - x1) / 2);
    const [c1x, c1y, c2x, c2y] = [x1 + dx, y1 + off, x2 - dx, y2 + off];
    return { from: a.id, to: b.id, d: curve(x1, y1, c1x, c1y, c2x, c2y, x2, y2), label: mid(x1, y1, c1x, c1y, c2x, c2y, x2, y2), back: false };
  }
  // Against the flow (or a self call): leave from the bottom, loop below both nodes, enter from the bottom.
  const [x1, y1, x2, y2] = [a.x + a.w * 0.7, a.y + a.h, b.x + b.w * 0.3, b.y + b.h];
  const dip = Math.max(y1, y2) + 44 + off;
  const [c1x, c2x] = [x1 + 30, x2 - 30];
  return { from: a.id, to: b.id, d: curve(x1, y1, c1x, dip, c2x, dip, x2, y2), label: mid(x1, y1, c1x, dip, c2x, dip, x2, y2), back: true };
}

function curve(...p: number[]): string {
  const r = p.map((v) => Math.round(v * 10) / 10);
  return `M${r[0]},${r[1]} C${r[2]},${r[3]} ${r[4]},${r[5]} ${r[6]},${r[7]}`;
}

/** The cubic's point at t = 0.5. */
function mid(x1: number, y1: number, c1x: number, c1y: number, c2x: number, c2y: number, x2: number, y2: number) {
  return { x: Math.round((x1 + 3 * c1x + 3 * c2x + x2) / 8), y: Math.round((y1 + 3 * c1y + 3 * c2y + y2) / 8) };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
