import type { SpanNode, TraceAnalysis, TraceTree } from '../../analysis/types.js';
import { SPAN_KIND_NAMES, type Span, type SpanId } from '../../model/span.js';
import { spanLabel } from '../../analysis/span-name.js';
import { criticalStretches, type CriticalStretch } from '../../analysis/time.js';
import { formatMs, hueStyle, plural } from '../format.js';
import { spanMatches } from './find.js';

/**
 * The waterfall's view model: rows with bar offsets already computed, nested as the span tree is.
 *
 * A trace may hold 10,000 spans; rendering them all makes a 5 MB page the browser chokes on. So rows are
 * chosen breadth first until ROW_BUDGET is spent: a span's children are opened only when all of them fit
 * (the first level takes what fits), so the first view shows the trace's shape level by level and every
 * subtree left closed is summarised on its row ("412 spans below, 3 errors"). Closed subtrees load on
 * demand (/trace/{id}/subtree/{spanId}); siblings past the budget become one "N more spans" row. Spans the
 * reader asked for (the selected span, find matches, a finding's spans) and their ancestors are always
 * rendered, so a deep link or a match is never hidden behind a placeholder.
 *
 * The axis is the whole trace (or the focused subtree), or a zoomed window of it (`from`/`to`, ms from
 * the axis start): bars are clipped to the window and the ticks label the window.
 */

export const ROW_BUDGET = 300;
export const OPEN_DEPTH = 12;
/** Matches beyond this many are counted but not forced open: the budget still applies to them. */
const MAX_FORCED_MATCHES = 100;

/** A stretch of the bar on the critical path, positioned in % of the drawn bar. */
export interface CritSegment {
  style: string;
  ms: number;
}

export interface Row {
  kind: 'row';
  /** CSS classes of the row: wf-row plus err, crit, match, marked, selected, out (outside the zoom window). */
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
  /** Where on the bar the critical path runs (Jaeger's darker band), and the ms of each stretch. */
  crit: CritSegment[];
  /** ms on the path in stretches too narrow to draw at this zoom (0 when every stretch is drawn). */
  critRestMs: number;
  match: boolean;
  marked: boolean;
  selected: boolean;
  state: 'leaf' | 'open' | 'lazy';
  /** For a closed subtree: "412 spans below, 3 errors" (its row shows the subtree's whole extent). */
  summary: string;
  /** Direct children; the lazy placeholder says how many will load. */
  childCount: number;
  children: Item[];
  lazyUrl: string;
  focusUrl: string;
}

export interface More {
  kind: 'more';
  count: number;
  /** "4,212 spans with their children, 3 errors", or ''. */
  summary: string;
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
  /** Render these rows (and their ancestors) without selecting them: `e` jumping to an error not loaded yet. */
  reveal?: SpanId;
  /** Highlight these spans (a finding's spans), rendered whatever the budget. */
  mark?: SpanId[];
  /** Zoom: the window shown, in ms from the axis start (the trace's or the focused subtree's). */
  from?: number;
  to?: number;
}

/** Subtree facts for the summaries of closed rows. */
interface SubtreeStats {
  spans: number;
  errors: number;
}

/** What the rows need besides the span: the axis, the analysis, and the spans that must be shown. */
export interface RowContext {
  traceId: string;
  /** The zoom window: bars and ticks are drawn on [axisStartNs, axisStartNs + axisNs]. */
  axisStartNs: bigint;
  axisNs: bigint;
  /** The whole axis (trace or focused subtree), for the minimap and tick labels. */
  baseStartNs: bigint;
  baseNs: bigint;
  zoomed: boolean;
  baseDepth: number;
  analysis: Pick<TraceAnalysis, 'selfTimeMs' | 'criticalPath'> & Partial<Pick<TraceAnalysis, 'propagation'>>;
  critical: Set<SpanId>;
  /** Calls whose context was lost, by the service the propagation check found answering them (for their label). */
  matchedCallees: Map<SpanId, string>;
  stretches: Map<SpanId, CriticalStretch[]>;
  matches: Set<SpanId>;
  marked: Set<SpanId>;
  forced: Set<SpanId>;
  selected?: SpanId;
  focus?: SpanId;
  /** Rows chosen by the breadth-first plan, and the spans whose children are rendered open. */
  included: Set<SpanId>;
  open: Set<SpanId>;
  stats: Map<SpanId, SubtreeStats>;
}

export function rowContext(tree: TraceTree, analysis: RowContext['analysis'], opts: WaterfallOptions): RowContext {
  const focusNode = opts.focus ? tree.nodes.get(opts.focus) : undefined;
  const { startNs, endNs } = focusNode ? subtreeWindow(focusNode) : tree;
  const baseNs = endNs > startNs ? endNs - startNs : 1n;
  const win = zoomWindow(baseNs, opts.from, opts.to);
  const matches = new Set<SpanId>();
  const q = (opts.find ?? '').trim();
  if (q !== '') for (const s of tree.spans) if (spanMatches(s, q)) matches.add(s.spanId);
  const forced = new Set<SpanId>();
  const force = (id: SpanId | undefined) => {
    for (let n = id ? tree.nodes.get(id) : undefined; n && !forced.has(n.span.spanId); n = n.parent) forced.add(n.span.spanId);
  };
  force(opts.selected);
  force(opts.reveal);
  const marked = new Set((opts.mark ?? []).filter((id) => tree.nodes.has(id)).slice(0, MAX_FORCED_MATCHES));
  marked.forEach(force);
  [...matches].slice(0, MAX_FORCED_MATCHES).forEach(force);
  return {
    traceId: tree.spans[0]?.traceId ?? '',
    axisStartNs: startNs + win.fromNs,
    axisNs: win.toNs - win.fromNs,
    baseStartNs: startNs,
    baseNs,
    zoomed: win.zoomed,
    baseDepth: focusNode?.depth ?? 0,
    analysis,
    critical: new Set(analysis.criticalPath.map((p) => p.spanId)),
    matchedCallees: new Map((analysis.propagation?.brokenLinks ?? []).map((b) => [b.clientSpanId, b.toService])),
    stretches: criticalStretches(tree),
    matches,
    marked,
    forced,
    selected: opts.selected,
    focus: focusNode?.span.spanId,
    included: new Set(),
    open: new Set(),
    stats: subtreeStats(tree),
  };
}

/** The zoom window in ns from the axis start; out-of-range or empty windows fall back to the whole axis. */
function zoomWindow(baseNs: bigint, from?: number, to?: number): { fromNs: bigint; toNs: bigint; zoomed: boolean } {
  const whole = { fromNs: 0n, toNs: baseNs, zoomed: false };
  if (from === undefined && to === undefined) return whole;
  const f = BigInt(Math.round(Math.max(0, from ?? 0) * 1e6));
  const t0 = to === undefined ? baseNs : BigInt(Math.round(to * 1e6));
  const t = t0 > baseNs ? baseNs : t0;
  if (t - f < 1000n) return whole; // under a microsecond: nothing to see
  return { fromNs: f, toNs: t, zoomed: f > 0n || t < baseNs };
}

/**
 * The breadth-first plan: which rows to render and which spans to open, for `start` (the roots, or a
 * placeholder's children), level by level. A level opens whole when all its children fit in what is left, so
 * the view never spends the budget on one corner of the trace; when a level does not fit, only spans with a
 * few children (SMALL_OPEN) open, and everything else stays closed, summarised on its row. A single first-level
 * span with more children than the budget (a root with 2,000 children) shows the first that fit and "N more".
 * Forced spans and their ancestors are added after, whatever the budget.
 */
const SMALL_OPEN = 3;

function plan(tree: TraceTree, start: SpanNode[], ctx: RowContext): void {
  let left = ROW_BUDGET;
  let level: SpanNode[] = [];
  for (const n of start) {
    if (left <= 0) break;
    ctx.included.add(n.span.spanId);
    level.push(n);
    left--;
  }
  const openAll = (n: SpanNode, next: SpanNode[]) => {
    ctx.open.add(n.span.spanId);
    const kids = n.children.slice(0, left);
    for (const k of kids) {
      ctx.included.add(k.span.spanId);
      next.push(k);
    }
    left -= kids.length;
  };
  if (level.length === 1 && level[0].children.length > left && level[0].depth - ctx.baseDepth < OPEN_DEPTH) {
    const next: SpanNode[] = [];
    openAll(level[0], next);
    return forceRows(tree, ctx);
  }
  while (level.length > 0 && left > 0) {
    const openable = level.filter((n) => n.children.length > 0 && n.depth - ctx.baseDepth < OPEN_DEPTH);
    const need = openable.reduce((t, n) => t + n.children.length, 0);
    const next: SpanNode[] = [];
    if (need <= left) {
      for (const n of openable) openAll(n, next);
    } else {
      for (const n of openable) if (n.children.length <= SMALL_OPEN && n.children.length <= left) openAll(n, next);
    }
    level = next;
  }
  forceRows(tree, ctx);
}

/** `forced` holds each forced span's ancestors too; each of them is opened so the span below shows. */
function forceRows(tree: TraceTree, ctx: RowContext): void {
  for (const id of ctx.forced) {
    ctx.included.add(id);
    const parent = tree.nodes.get(id)?.parent;
    if (parent) ctx.open.add(parent.span.spanId);
  }
}

function subtreeStats(tree: TraceTree): Map<SpanId, SubtreeStats> {
  const out = new Map<SpanId, SubtreeStats>();
  // Post-order without recursion: visit in pre-order, then fold children into parents in reverse.
  const order: SpanNode[] = [];
  const stack = [...tree.roots];
  for (let n = stack.pop(); n; n = stack.pop()) {
    order.push(n);
    stack.push(...n.children);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    let spans = 1;
    let errors = n.span.error ? 1 : 0;
    for (const c of n.children) {
      const cs = out.get(c.span.spanId);
      if (cs) {
        spans += cs.spans;
        errors += cs.errors;
      }
    }
    out.set(n.span.spanId, { spans, errors });
  }
  return out;
}

function belowSummary(node: SpanNode, ctx: RowContext): string {
  const st = ctx.stats.get(node.span.spanId);
  if (!st || st.spans <= 1) return '';
  return `${plural(st.spans - 1, 'span')} below${st.errors ? `, ${plural(st.errors, 'error')}` : ''}`;
}

/** The rows for the whole trace, or for the focused span's subtree. */
export function waterfallRows(tree: TraceTree, ctx: RowContext): Item[] {
  const focusNode = ctx.focus ? tree.nodes.get(ctx.focus) : undefined;
  const start = focusNode ? [focusNode] : tree.roots;
  plan(tree, start, ctx);
  return itemsOf(start, 0, ctx.focus ?? '', ctx);
}

/** Children `from`…`to` of one span, for the subtree fragment that fills a placeholder. */
export function childRows(tree: TraceTree, node: SpanNode, from: number, to: number, ctx: RowContext): Item[] {
  plan(tree, node.children.slice(from, to), ctx);
  return itemsOf(node.children.slice(0, to), from, node.span.spanId, ctx);
}

function itemsOf(nodes: SpanNode[], from: number, parentId: SpanId, ctx: RowContext): Item[] {
  const items: Item[] = [];
  let pending = -1;
  const flush = (to: number) => {
    if (pending < 0) return;
    const n = nodes[pending];
    const url = `${base(ctx)}/subtree/${parentId}?first=${pending}&end=${to}${carry(ctx)}`;
    let spans = 0;
    let errors = 0;
    for (let i = pending; i < to; i++) {
      const st = ctx.stats.get(nodes[i].span.spanId);
      spans += st?.spans ?? 1;
      errors += st?.errors ?? 0;
    }
    const summary =
      spans > to - pending || errors > 0
        ? `${plural(spans, 'span')} with their children${errors ? `, ${plural(errors, 'error')}` : ''}`
        : '';
    items.push({ kind: 'more', count: to - pending, summary, url, focusUrl: focusHref(ctx, parentId), indent: indentOf(n, ctx) });
    pending = -1;
  };
  for (let i = from; i < nodes.length; i++) {
    const n = nodes[i];
    if (!ctx.included.has(n.span.spanId)) {
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
  const rel = node.depth - ctx.baseDepth;
  const hasChildren = node.children.length > 0;
  const open = hasChildren && ctx.open.has(s.spanId);
  const durMs = nsMs(s.endTimeUnixNano - s.startTimeUnixNano);
  const selfMs = ctx.analysis.selfTimeMs[s.spanId] ?? durMs;
  const left = pct(s.startTimeUnixNano - ctx.axisStartNs, ctx.axisNs);
  const right = pct(s.endTimeUnixNano - ctx.axisStartNs, ctx.axisNs);
  const out = s.endTimeUnixNano < ctx.axisStartNs || s.startTimeUnixNano > ctx.axisStartNs + ctx.axisNs;
  const width = Math.max(right - left, 0.15);
  // Duration text: inside a wide bar, else after it, or before it when the bar reaches the right edge.
  const labelPos = width > 25 ? 'inside' : left + width > 78 ? 'left' : 'right';
  const error = s.error;
  const critical = ctx.critical.has(s.spanId);
  const match = ctx.matches.has(s.spanId);
  const marked = ctx.marked.has(s.spanId);
  const selected = ctx.selected === s.spanId;
  const cls = ['wf-row', error && 'err', critical && 'crit', match && 'match', marked && 'marked', selected && 'selected', out && 'out']
    .filter(Boolean)
    .join(' ');
  const name = spanLabel(node, ctx.matchedCallees.get(s.spanId));
  const stretches = ctx.stretches.get(s.spanId) ?? [];
  const { bands: crit, restMs: critRestMs } = critSegments(stretches, left, Math.min(width, 100 - left), ctx);
  const critMs = stretches.reduce((t, st) => t + nsMs(st.endNs - st.startNs), 0);
  const summary = open || !hasChildren ? '' : belowSummary(node, ctx);
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
    duration: summary ? `${formatMs(durMs)} · ${summary}` : formatMs(durMs),
    self: formatMs(selfMs),
    title:
      `${s.service} · ${name} · ${formatMs(durMs)} (self ${formatMs(selfMs)})` +
      `${error ? ' · error' : ''}${stretches.length ? ` · ${formatMs(critMs)} on the critical path` : ''}` +
      `${summary ? ` · ${summary}` : ''}`,
    error,
    critical,
    crit,
    critRestMs,
    match,
    marked,
    selected,
    state: !hasChildren ? 'leaf' : open ? 'open' : 'lazy',
    summary,
    childCount: node.children.length,
    children: open ? itemsOf(node.children, 0, s.spanId, ctx) : [],
    lazyUrl: `${base(ctx)}/subtree/${s.spanId}${carry(ctx, '?')}`,
    focusUrl: focusHref(ctx, s.spanId),
  };
}

/** Bands drawn per bar at most: a parent of 100 sequential calls has 100 stretches between them. */
const MAX_BANDS = 16;
/** A stretch narrower than this (in % of the axis, under a pixel) is not drawn; its ms is counted in `critRestMs`. */
const MIN_BAND_PCT = 0.1;

/**
 * The critical path's stretches of one span, as bands positioned in % of its drawn (clipped) bar, each exactly
 * where the path runs (never merged across a gap, which would paint a parent's children's time as its own).
 * Stretches too narrow to see, and those past the MAX_BANDS widest, are left undrawn and their ms returned as
 * `restMs`, so drawn plus rest is the span's time on the path.
 */
function critSegments(
  list: CriticalStretch[],
  barLeft: number,
  barWidth: number,
  ctx: RowContext,
): { bands: CritSegment[]; restMs: number } {
  const all = list.map((st, i) => ({
    i,
    l: pct(st.startNs - ctx.axisStartNs, ctx.axisNs),
    r: pct(st.endNs - ctx.axisStartNs, ctx.axisNs),
    ms: nsMs(st.endNs - st.startNs),
  }));
  const drawn = all
    .filter((b) => b.r - b.l >= MIN_BAND_PCT)
    .sort((a, b) => b.r - b.l - (a.r - a.l))
    .slice(0, MAX_BANDS)
    .sort((a, b) => a.i - b.i);
  const drawnMs = drawn.reduce((t, b) => t + b.ms, 0);
  const bands = drawn.map((b) => {
    const inBarL = barWidth > 0 ? ((b.l - barLeft) / barWidth) * 100 : 0;
    const inBarW = barWidth > 0 ? Math.max(((b.r - b.l) / barWidth) * 100, 0) : 0;
    return { style: `left: ${fix(Math.max(0, inBarL))}%; width: ${fix(Math.min(inBarW, 100))}%`, ms: b.ms };
  });
  return { bands, restMs: all.reduce((t, b) => t + b.ms, 0) - drawnMs };
}

/**
 * Ticks at a round step (1, 2 or 5 × 10ⁿ ms) giving four to eight ticks across the window, labelled with
 * their offset from the axis start (so a zoomed window reads "120 ms, 140 ms…", not "0 ms" again).
 */
export function axisTicks(ctx: RowContext): Tick[] {
  const total = nsMs(ctx.axisNs);
  const offset = nsMs(ctx.axisStartNs - ctx.baseStartNs);
  const raw = total / 5;
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: Tick[] = [];
  const first = Math.ceil(offset / step - 1e-9) * step;
  for (let t = first; t - offset < total * 0.93 && ticks.length < 12; t += step) {
    ticks.push({ style: `left: ${fix(((t - offset) / total) * 100)}%`, label: t === 0 ? '0 ms' : formatMs(t) });
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
/** The query a fragment URL carries so its rows use the same axis: the focus and the zoom window. */
export function carry(ctx: Pick<RowContext, 'focus' | 'zoomed' | 'axisStartNs' | 'axisNs' | 'baseStartNs'>, sep = '&'): string {
  const parts: string[] = [];
  if (ctx.focus) parts.push(`focus=${ctx.focus}`);
  if (ctx.zoomed) {
    const from = nsMs(ctx.axisStartNs - ctx.baseStartNs);
    parts.push(`from=${msParam(from)}`, `to=${msParam(from + nsMs(ctx.axisNs))}`);
  }
  return parts.length ? sep + parts.join('&') : '';
}
/** A window bound in ms, to the µs: short enough for a URL, fine enough for any zoom. */
export const msParam = (ms: number) => String(Math.round(ms * 1000) / 1000);
/** A span's page URL; the `#span-…` anchor makes a page load without JavaScript open at the span's row. */
export const spanHref = (ctx: Pick<RowContext, 'traceId' | 'focus'>, spanId: SpanId, mark?: SpanId[]) =>
  `/trace/${ctx.traceId}?${ctx.focus ? `focus=${ctx.focus}&` : ''}span=${spanId}` +
  `${mark && mark.length ? `&mark=${mark.slice(0, MAX_FORCED_MATCHES).join(',')}` : ''}#span-${spanId}`;
const focusHref = (ctx: RowContext, spanId: SpanId) => `${base(ctx)}?focus=${spanId}`;
const indentOf = (n: SpanNode, ctx: RowContext) => Math.min(n.depth - ctx.baseDepth, 24);
const nsMs = (ns: bigint) => Number(ns) / 1e6;
const pct = (part: bigint, whole: bigint) => Math.min(100, Math.max(0, (Number(part) / Number(whole)) * 100));
const fix = (n: number) => String(Math.round(n * 1000) / 1000);

export function spanOf(tree: TraceTree, id: SpanId | undefined): Span | undefined {
  return id ? tree.nodes.get(id)?.span : undefined;
}
