import type { SpanId } from '../model/span.js';
import { spanLabel } from './span-name.js';
import type { SpanNode, SpanRef, TraceTree } from './types.js';

/**
 * A flame graph of a trace: a box per span, stacked by depth, as wide as the self time of the span and all its
 * descendants ("work"). Children sit left to right in start order inside their parent; the parent's own self
 * time is what is left at its right end. Unlike the waterfall, width is not wall-clock time: concurrent
 * children are laid side by side, so a box can be wider than its span lasted. Self times are the analysis's
 * (`analysis.selfTimeMs`: a span's duration minus the time its children cover), so the numbers match the
 * statistics and GET /api/traces/{id}/analysis.
 *
 * `focus` zooms: that span's box is the full width, its ancestors are listed above it, the rest is left out.
 * Boxes narrower than `minWidth` (a share of the full width) are not laid out, nor their descendants: they are
 * counted in `hidden`, so a 10,000-span trace renders the few hundred boxes one can see.
 */

export interface FlameBox {
  spanId: SpanId;
  service: string;
  name: string;
  /** Rows below the top (the focused span, or the roots, is 0). */
  depth: number;
  /** Left edge and width as shares (0–1) of the full width. */
  x: number;
  w: number;
  selfMs: number;
  /** selfMs of this span and every descendant. */
  totalMs: number;
  durationMs: number;
  error: boolean;
  children: number;
}

export interface FlameLayout {
  boxes: FlameBox[];
  /** From the trace's root down to the focused span's parent; empty without a focus. */
  ancestors: SpanRef[];
  /** The work the full width stands for, in ms. */
  totalMs: number;
  /** Rows: 1 + the deepest laid-out box's depth (0 when empty). */
  rows: number;
  /** Spans not laid out because their box would be narrower than minWidth. */
  hidden: number;
}

export interface FlameOptions {
  focus?: SpanId;
  /** Default 0.002: 2.5 px of 1280. */
  minWidth?: number;
}

export function flameLayout(tree: TraceTree, selfTimeMs: Readonly<Record<SpanId, number>>, opts: FlameOptions = {}): FlameLayout {
  const focusNode = opts.focus ? tree.nodes.get(opts.focus) : undefined;
  const tops = focusNode ? [focusNode] : tree.roots;
  const totals = subtreeTotals(tops, selfTimeMs);
  const totalMs = tops.reduce((a, n) => a + (totals.get(n) ?? 0), 0);
  const minWidth = opts.minWidth ?? 0.002;
  const boxes: FlameBox[] = [];
  let hidden = 0;
  let rows = 0;
  // Pre-order with an explicit stack: traces can be thousands of spans deep.
  const stack: Array<{ node: SpanNode; x: number; depth: number }> = [];
  const place = (nodes: SpanNode[], x0: number, depth: number) => {
    let x = x0;
    const placed: Array<{ node: SpanNode; x: number; depth: number }> = [];
    for (const node of nodes) {
      const w = totalMs > 0 ? (totals.get(node) ?? 0) / totalMs : nodes.length === 1 ? 1 : 0;
      if (w < minWidth) {
        hidden += countSubtree(node);
      } else {
        placed.push({ node, x, depth });
      }
      x += w;
    }
    for (let i = placed.length - 1; i >= 0; i--) stack.push(placed[i]);
  };
  place(tops, 0, 0);
  while (stack.length > 0) {
    const { node, x, depth } = stack.pop()!;
    const s = node.span;
    const total = totals.get(node) ?? 0;
    boxes.push({
      spanId: s.spanId,
      service: s.service,
      // What the span does: a call by whom it called ("GET → inventory"), as the statistics name it.
      name: spanLabel(node),
      depth,
      x,
      w: totalMs > 0 ? total / totalMs : 1,
      selfMs: selfTimeMs[s.spanId] ?? 0,
      totalMs: total,
      durationMs: Number(s.endTimeUnixNano - s.startTimeUnixNano) / 1e6,
      error: s.error,
      children: node.children.length,
    });
    if (depth + 1 > rows) rows = depth + 1;
    place(node.children, x, depth + 1);
  }
  return { boxes, ancestors: focusNode ? ancestorsOf(focusNode) : [], totalMs, rows, hidden };
}

/** Post-order sums of self time, without recursion. */
function subtreeTotals(tops: SpanNode[], selfTimeMs: Readonly<Record<SpanId, number>>): Map<SpanNode, number> {
  const totals = new Map<SpanNode, number>();
  const order: SpanNode[] = [];
  const stack = [...tops];
  while (stack.length > 0) {
    const n = stack.pop()!;
    order.push(n);
    for (const c of n.children) stack.push(c);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    let t = Math.max(0, selfTimeMs[n.span.spanId] ?? 0);
    for (const c of n.children) t += totals.get(c) ?? 0;
    totals.set(n, t);
  }
  return totals;
}

function countSubtree(node: SpanNode): number {
  let n = 0;
  const stack = [node];
  while (stack.length > 0) {
    const x = stack.pop()!;
    n++;
    for (const c of x.children) stack.push(c);
  }
  return n;
}

function ancestorsOf(node: SpanNode): SpanRef[] {
  const out: SpanRef[] = [];
  for (let p = node.parent; p; p = p.parent) out.push({ spanId: p.span.spanId, service: p.span.service, name: spanLabel(p) });
  return out.reverse();
}
