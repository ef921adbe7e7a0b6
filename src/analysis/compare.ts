import type { Span, SpanId } from '../model/span.js';
import { nsToMs } from './duration.js';
import { calleeOf, spanLabel } from './span-name.js';
import { buildTree } from './tree.js';
import type { SpanNode, TraceTree } from './types.js';

/**
 * Two traces aligned span by span. A span's identity across traces is its path of service:operation steps from
 * its root, with the n-th occurrence among same-named siblings told apart ("#3"), so the third call to
 * inventory in A meets the third call in B. An outgoing call also carries whom it called ("checkout:GET → inventory"),
 * because client spans are often named only by their method and five GETs to two services must not pair across.
 * Durations are float ms; B − A, so positive means B is slower.
 */

/**
 * A difference counts when it passes both bars (≥ 10 % and ≥ 5 ms): small absolute jitter on tiny spans and small
 * shares of big ones are noise. 5 ms, not 1: two runs of the demo's same request differ by ±10 ms on loopback.
 */
export const SIGNIFICANT_PCT = 10;
export const SIGNIFICANT_MS = 5;

export interface SideSpan {
  spanId: SpanId;
  durationMs: number;
  /** Start relative to its own trace's start, for drawing both sides on one scale. */
  offsetMs: number;
  error: boolean;
  /** Its parent is not in the trace, so it sits at the top level of the alignment. */
  orphan: boolean;
}

export type Presence = 'both' | 'only-a' | 'only-b';
export type Change = 'slower' | 'faster' | 'same' | 'none';

export interface ComparedSpan {
  /** "frontend:GET / > checkout:GET /checkout > inventory:GET /items/{id}#3": unique within the comparison. */
  path: string;
  service: string;
  name: string;
  /** For an outgoing call, whom it called (span-name.ts calleeOf); '' otherwise. */
  callee: string;
  /** What the span does, as every page names it (span-name.ts spanLabel): "GET → inventory". */
  label: string;
  /** 1 for the first sibling with this service, name and callee, 2 for the second… */
  occurrence: number;
  depth: number;
  a: SideSpan | undefined;
  b: SideSpan | undefined;
  presence: Presence;
  /** B − A; undefined unless the span is on both sides. */
  deltaMs: number | undefined;
  /** (B − A) / A × 100; undefined unless on both sides, or when A took no time at all. */
  deltaPct: number | undefined;
  /** 'none' unless on both sides; 'same' when within the significance thresholds. */
  change: Change;
}

export interface TraceSideSummary {
  spanCount: number;
  durationMs: number;
  errorCount: number;
  /** The earliest root's service and name; '' for an empty trace. */
  rootService: string;
  rootName: string;
  startNs: bigint;
}

export interface TraceComparison {
  a: TraceSideSummary;
  b: TraceSideSummary;
  /** Depth-first, siblings by start: a tree the page can draw as indented rows. */
  rows: ComparedSpan[];
  matched: number;
  onlyA: number;
  onlyB: number;
  /** B − A over whole traces. */
  deltaMs: number;
  deltaPct: number | undefined;
  /** Both traces start at the same service and operation; when not, nothing below the roots can align. */
  sameRoot: boolean;
  /** Significantly slower aligned spans, largest increase first. */
  regressions: ComparedSpan[];
  /** Significantly faster aligned spans, largest decrease first. */
  improvements: ComparedSpan[];
}

export function compareTraces(a: readonly Span[], b: readonly Span[]): TraceComparison {
  const ta = buildTree(a);
  const tb = buildTree(b);
  const rows: ComparedSpan[] = [];
  alignSiblings(ta.roots, tb.roots, { ta, tb, prefix: '', depth: 0, rows });
  const sa = summariseTrace(ta);
  const sb = summariseTrace(tb);
  const both = rows.filter((r) => r.presence === 'both');
  return {
    a: sa,
    b: sb,
    rows,
    matched: both.length,
    onlyA: rows.filter((r) => r.presence === 'only-a').length,
    onlyB: rows.filter((r) => r.presence === 'only-b').length,
    deltaMs: sb.durationMs - sa.durationMs,
    deltaPct: pct(sa.durationMs, sb.durationMs),
    sameRoot: sa.rootService === sb.rootService && sa.rootName === sb.rootName,
    regressions: both.filter((r) => r.change === 'slower').sort((x, y) => y.deltaMs! - x.deltaMs!),
    improvements: both.filter((r) => r.change === 'faster').sort((x, y) => x.deltaMs! - y.deltaMs!),
  };
}

/** Whether a change of `deltaMs` on a span of `baseMs` is worth a colour. */
export function classifyChange(baseMs: number, deltaMs: number): Change {
  if (Math.abs(deltaMs) < SIGNIFICANT_MS) return 'same';
  if (baseMs > 0 && (Math.abs(deltaMs) / baseMs) * 100 < SIGNIFICANT_PCT) return 'same';
  return deltaMs > 0 ? 'slower' : 'faster';
}

interface Walk {
  ta: TraceTree;
  tb: TraceTree;
  prefix: string;
  depth: number;
  rows: ComparedSpan[];
}

interface Pair {
  service: string;
  name: string;
  callee: string;
  occurrence: number;
  a: SpanNode | undefined;
  b: SpanNode | undefined;
  /** Offset from the parent's start on the side it is from (A first), to order the merged siblings. */
  order: number;
}

/** Pairs the n-th sibling named service+name in A with the n-th in B, then recurses into each pair. */
function alignSiblings(as: readonly SpanNode[], bs: readonly SpanNode[], w: Walk): void {
  const pairs = new Map<string, Pair>();
  const add = (nodes: readonly SpanNode[], side: 'a' | 'b', tree: TraceTree) => {
    const seen = new Map<string, number>();
    for (const node of nodes) {
      const callee = calleeOf(node);
      // JSON keeps a service or name containing ':' or '#' from colliding with another.
      const base = JSON.stringify([node.span.service, node.span.name, callee]);
      const occurrence = (seen.get(base) ?? 0) + 1;
      seen.set(base, occurrence);
      const key = `${base}#${occurrence}`;
      const pair = pairs.get(key) ?? { service: node.span.service, name: node.span.name, callee, occurrence, a: undefined, b: undefined, order: 0 };
      if (side === 'a' || pair.a === undefined) pair.order = siblingOffset(node, tree);
      pair[side] = node;
      pairs.set(key, pair);
    }
  };
  add(as, 'a', w.ta);
  add(bs, 'b', w.tb);
  const ordered = [...pairs.values()].sort((x, y) => x.order - y.order);
  for (const pair of ordered) {
    const call = pair.callee ? ` → ${pair.callee}` : '';
    const step = `${pair.service}:${pair.name}${call}${pair.occurrence > 1 ? `#${pair.occurrence}` : ''}`;
    const path = w.prefix === '' ? step : `${w.prefix} > ${step}`;
    w.rows.push(row(pair, path, w));
    alignSiblings(pair.a?.children ?? [], pair.b?.children ?? [], { ...w, prefix: path, depth: w.depth + 1 });
  }
}

function row(pair: Pair, path: string, w: Walk): ComparedSpan {
  const a = pair.a && side(pair.a, w.ta);
  const b = pair.b && side(pair.b, w.tb);
  const deltaMs = a && b ? b.durationMs - a.durationMs : undefined;
  return {
    path,
    service: pair.service,
    name: pair.name,
    callee: pair.callee,
    label: spanLabel((pair.a ?? pair.b)!),
    occurrence: pair.occurrence,
    depth: w.depth,
    a,
    b,
    presence: a && b ? 'both' : a ? 'only-a' : 'only-b',
    deltaMs,
    deltaPct: a && b ? pct(a.durationMs, b.durationMs) : undefined,
    change: a && b ? classifyChange(a.durationMs, deltaMs!) : 'none',
  };
}

function side(node: SpanNode, tree: TraceTree): SideSpan {
  const { span } = node;
  return {
    spanId: span.spanId,
    durationMs: nsToMs(span.endTimeUnixNano - span.startTimeUnixNano),
    offsetMs: nsToMs(span.startTimeUnixNano - tree.startNs),
    error: span.error,
    orphan: node.parent === undefined && span.parentSpanId !== '' && !tree.nodes.has(span.parentSpanId),
  };
}

/** Start relative to the parent (roots: to their trace), so siblings from both traces interleave by when they ran. */
function siblingOffset(node: SpanNode, tree: TraceTree): number {
  const base = node.parent ? node.parent.span.startTimeUnixNano : tree.startNs;
  return nsToMs(node.span.startTimeUnixNano - base);
}

/** One trace's header figures: span and error counts, duration, its earliest root. */
export function summariseTrace(tree: TraceTree): TraceSideSummary {
  const root = tree.roots[0]?.span;
  return {
    spanCount: tree.spans.length,
    durationMs: tree.spans.length ? nsToMs(tree.endNs - tree.startNs) : 0,
    errorCount: tree.spans.filter((s) => s.error).length,
    rootService: root?.service ?? '',
    rootName: root?.name ?? '',
    startNs: tree.spans.length ? tree.startNs : 0n,
  };
}

function pct(base: number, next: number): number | undefined {
  return base > 0 ? ((next - base) / base) * 100 : undefined;
}
