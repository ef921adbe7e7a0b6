import type { SpanNode, TraceAnalysis, TraceTree } from '../../analysis/types.js';
import { SPAN_KIND_NAMES, type Span, type SpanId } from '../../model/span.js';
import { spanLabel } from '../../analysis/span-name.js';
import { formatMs, hueStyle } from '../format.js';
import { spanMatches } from './find.js';

/**
 * The waterfall's view model: rows with bar offsets already computed, nested as the span tree is.
 *
 * A trace may hold 10,000 spans; rendering them all makes a 5 MB page the browser chokes on. So rows are
 * rendered depth first until ROW_BUDGET is spent or OPEN_DEPTH levels are open; deeper subtrees are rendered
 * closed with their children loaded on demand (/trace/{id}/subtree/{spanId}), and siblings past the budget
 * become one "N more spans" row. Spans the reader asked for (the selected span, find matches) and their
 * ancestors are always rendered, so a deep link or a match is never hidden behind a placeholder.
 */

export const ROW_BUDGET = 300;
export const OPEN_DEPTH = 12;
/** Matches beyond this many are counted but not forced open: the budget still applies to them. */
const MAX_FORCED_MATCHES = 100;

export interface Row {
  kind: 'row';
  /** CSS classes of the row: wf-row plus err, crit, match, selected. */
  cls: string;
  spanId: SpanId;
  name: string;
  service: string;
  hue: string;
  /** Indentation level relative to the rendered root, capped so deep traces stay on screen. */
  indent: number;
  spanKind: string;
  href: string;
  detailsUrl: string;
  barStyle: string;
  labelStyle: string;
  labelPos: 'inside' | 'left' | 'right';
  duration: string;
  self: string;
  title: string;
  error: boolean;
  critical: boolean;
  match: boolean;
  selected: boolean;
  state: 'leaf' | 'open' | 'lazy';
  /** Direct children; the lazy placeholder says how many will load. */
  childCount: number;
  children: Item[];
  lazyUrl: string;
  focusUrl: string;
}

export interface More {
  kind: 'more';
  count: number;
  url: string;
  focusUrl: string;
  indent: number;
}

export type Item = Row | More;

export interface Tick {
  style: string;
  label: string;
}

export interface WaterfallOptions {
  selected?: SpanId;
  find?: string;
  /** Render only this span's subtree, on its own time axis. */
  focus?: SpanId;
}

/** What the rows need besides the span: the axis, the analysis, and the spans that must be shown. */
export interface RowContext {
  traceId: string;
  axisStartNs: bigint;
  axisNs: bigint;
  baseDepth: number;
  analysis: Pick<TraceAnalysis, 'selfTimeMs' | 'criticalPath'> & Partial<Pick<TraceAnalysis, 'propagation'>>;
  critical: Set<SpanId>;
  /** Calls whose context was lost, by the service the propagation check found answering them (for their label). */
  matchedCallees: Map<SpanId, string>;
  matches: Set<SpanId>;
  forced: Set<SpanId>;
  selected?: SpanId;
  focus?: SpanId;
  budget: { left: number };
}

export function rowContext(tree: TraceTree, analysis: RowContext['analysis'], opts: WaterfallOptions): RowContext {
  const focusNode = opts.focus ? tree.nodes.get(opts.focus) : undefined;
  const { startNs, endNs } = focusNode ? subtreeWindow(focusNode) : tree;
  const matches = new Set<SpanId>();
  const q = (opts.find ?? '').trim();
  if (q !== '') for (const s of tree.spans) if (spanMatches(s, q)) matches.add(s.spanId);
  const forced = new Set<SpanId>();
  const force = (id: SpanId | undefined) => {
    for (let n = id ? tree.nodes.get(id) : undefined; n && !forced.has(n.span.spanId); n = n.parent) forced.add(n.span.spanId);
  };
  force(opts.selected);
  [...matches].slice(0, MAX_FORCED_MATCHES).forEach(force);
  return {
    traceId: tree.spans[0]?.traceId ?? '',
    axisStartNs: startNs,
    axisNs: endNs > startNs ? endNs - startNs : 1n,
    baseDepth: focusNode?.depth ?? 0,
    analysis,
    critical: new Set(analysis.criticalPath.map((p) => p.spanId)),
    matchedCallees: new Map((analysis.propagation?.brokenLinks ?? []).map((b) => [b.clientSpanId, b.toService])),
    matches,
    forced,
    selected: opts.selected,
    focus: focusNode?.span.spanId,
    budget: { left: ROW_BUDGET },
  };
}

/** The rows for the whole trace, or for the focused span's subtree. */
export function waterfallRows(tree: TraceTree, ctx: RowContext): Item[] {
  const focusNode = ctx.focus ? tree.nodes.get(ctx.focus) : undefined;
  return itemsOf(focusNode ? [focusNode] : tree.roots, 0, ctx.focus ?? '', ctx);
}

/** Children `from`…`to` of one span, for the subtree fragment that fills a placeholder. */
export function childRows(node: SpanNode, from: number, to: number, ctx: RowContext): Item[] {
  return itemsOf(node.children.slice(0, to), from, node.span.spanId, ctx);
}

function itemsOf(nodes: SpanNode[], from: number, parentId: SpanId, ctx: RowContext): Item[] {
  const items: Item[] = [];
  let pending = -1;
  const flush = (to: number) => {
    if (pending < 0) return;
    const n = nodes[pending];
    const url = `${base(ctx)}/subtree/${parentId}?from=${pending}&to=${to}${focusQuery(ctx)}`;
    items.push({ kind: 'more', count: to - pending, url, focusUrl: focusHref(ctx, parentId), indent: indentOf(n, ctx) });
    pending = -1;
  };
  for (let i = from; i < nodes.length; i++) {
    const n = nodes[i];
    if (ctx.budget.left <= 0 && !ctx.forced.has(n.span.spanId)) {
      if (pending < 0) pending = i;
      continue;
    }
    flush(i);
    items.push(rowOf(n, ctx));
  }
  flush(nodes.length);
  return items;
}

function rowOf(node: SpanNode, ctx: RowContext): Row {
  const s = node.span;
  ctx.budget.left--;
  const rel = node.depth - ctx.baseDepth;
  const hasChildren = node.children.length > 0;
  const open = hasChildren && (ctx.forced.has(s.spanId) || (rel < OPEN_DEPTH && ctx.budget.left > 0));
  const durMs = nsMs(s.endTimeUnixNano - s.startTimeUnixNano);
  const selfMs = ctx.analysis.selfTimeMs[s.spanId] ?? durMs;
  const left = pct(s.startTimeUnixNano - ctx.axisStartNs, ctx.axisNs);
  const width = Math.max(pct(s.endTimeUnixNano - s.startTimeUnixNano, ctx.axisNs), 0.15);
  // Duration text: inside a wide bar, else after it, or before it when the bar reaches the right edge.
  const labelPos = width > 25 ? 'inside' : left + width > 78 ? 'left' : 'right';
  const error = s.error;
  const critical = ctx.critical.has(s.spanId);
  const match = ctx.matches.has(s.spanId);
  const selected = ctx.selected === s.spanId;
  const cls = ['wf-row', error && 'err', critical && 'crit', match && 'match', selected && 'selected'].filter(Boolean).join(' ');
  const name = spanLabel(node, ctx.matchedCallees.get(s.spanId));
  return {
    kind: 'row',
    cls,
    spanId: s.spanId,
    name,
    service: s.service,
    hue: hueStyle(s.service),
    indent: Math.min(rel, 24),
    spanKind: SPAN_KIND_NAMES[s.kind] ?? 'unspecified',
    href: spanHref(ctx, s.spanId),
    detailsUrl: `${base(ctx)}/span/${s.spanId}`,
    barStyle: `${hueStyle(s.service)}; left: ${fix(left)}%; width: ${fix(Math.min(width, 100 - left))}%`,
    labelStyle: labelPos === 'left' ? `right: ${fix(100 - left)}%` : labelPos === 'inside' ? `left: ${fix(left)}%` : `left: ${fix(left + width)}%`,
    labelPos,
    duration: formatMs(durMs),
    self: formatMs(selfMs),
    title:
      `${s.service} · ${name} · ${formatMs(durMs)} (self ${formatMs(selfMs)})` +
      `${error ? ' · error' : ''}${critical ? ' · on the critical path' : ''}`,
    error,
    critical,
    match,
    selected,
    state: !hasChildren ? 'leaf' : open ? 'open' : 'lazy',
    childCount: node.children.length,
    children: open ? itemsOf(node.children, 0, s.spanId, ctx) : [],
    lazyUrl: `${base(ctx)}/subtree/${s.spanId}${focusQuery(ctx, '?')}`,
    focusUrl: focusHref(ctx, s.spanId),
  };
}

/** Ticks at a round step (1, 2 or 5 × 10ⁿ ms) giving four to eight ticks, labelled with their offset. */
export function axisTicks(ctx: RowContext): Tick[] {
  const total = nsMs(ctx.axisNs);
  const raw = total / 5;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: Tick[] = [];
  for (let t = 0; t < total * 0.93 && ticks.length < 12; t += step) {
    ticks.push({ style: `left: ${fix((t / total) * 100)}%`, label: t === 0 ? '0 ms' : formatMs(t) });
  }
  return ticks;
}

function subtreeWindow(root: SpanNode): { startNs: bigint; endNs: bigint } {
  let startNs = root.span.startTimeUnixNano;
  let endNs = root.span.endTimeUnixNano;
  const stack = [root];
  for (let n = stack.pop(); n; n = stack.pop()) {
    if (n.span.startTimeUnixNano < startNs) startNs = n.span.startTimeUnixNano;
    if (n.span.endTimeUnixNano > endNs) endNs = n.span.endTimeUnixNano;
    stack.push(...n.children);
  }
  return { startNs, endNs };
}

const base = (ctx: RowContext) => `/trace/${ctx.traceId}`;
const focusQuery = (ctx: RowContext, sep = '&') => (ctx.focus ? `${sep}focus=${ctx.focus}` : '');
export const spanHref = (ctx: Pick<RowContext, 'traceId' | 'focus'>, spanId: SpanId) =>
  `/trace/${ctx.traceId}?${ctx.focus ? `focus=${ctx.focus}&` : ''}span=${spanId}`;
const focusHref = (ctx: RowContext, spanId: SpanId) => `${base(ctx)}?focus=${spanId}`;
const indentOf = (n: SpanNode, ctx: RowContext) => Math.min(n.depth - ctx.baseDepth, 24);
const nsMs = (ns: bigint) => Number(ns) / 1e6;
const pct = (part: bigint, whole: bigint) => Math.min(100, Math.max(0, (Number(part) / Number(whole)) * 100));
const fix = (n: number) => String(Math.round(n * 1000) / 1000);

export function spanOf(tree: TraceTree, id: SpanId | undefined): Span | undefined {
  return id ? tree.nodes.get(id)?.span : undefined;
}
