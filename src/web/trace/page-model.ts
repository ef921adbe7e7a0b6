import { stillArriving } from '../../analysis/arriving.js';
import type { SpanNode, TraceAnalysis, TraceTree } from '../../analysis/types.js';
import type { SpanId } from '../../model/span.js';
import { formatMs, hueStyle, isoUtc, plural } from '../format.js';
import { analysisPanel, type AnalysisPanel } from './analysis-panel.js';
import { spanDetails, type SpanDetails } from './details.js';
import {
  axisTicks,
  msParam,
  rowContext,
  spanHref,
  waterfallRows,
  type Item,
  type RowContext,
  type Tick,
  type WaterfallOptions,
} from './waterfall.js';

/** Everything the trace page and its fragments render, from the tree and the analysis of one trace. */

export interface TraceHeader {
  traceId: string;
  rootService: string;
  rootName: string;
  rootHue: string;
  startIso: string;
  duration: string;
  services: Array<{ name: string; hue: string; spans: number }>;
  spanCount: string;
  depth: number;
  errors: number;
  /** Its newest span ended moments ago: more may come (analysis/arriving.ts). */
  arriving: boolean;
}

/** The whole trace (or focused subtree) in miniature: span bars in lanes, the zoom window over them. */
export interface Minimap {
  /** SVG rects in a 1000 × height viewBox: merged runs of the spans of each lane (spans in tree order). */
  runs: Array<{ x: string; y: number; w: string; err: boolean }>;
  height: number;
  /** The zoom window over the whole axis, in %, or null when not zoomed. */
  window: { style: string } | null;
  totalMs: number;
  /** The page URL to zoom on (without from/to), for the script; and the no-JS links. */
  zoomBase: string;
  /** No-JavaScript zoom: the current window's quarters, and a reset. */
  quarters: Array<{ href: string; label: string; style: string }>;
  resetHref: string | null;
  windowLabel: string;
}

export interface WaterfallView {
  traceId: string;
  items: Item[];
  ticks: Tick[];
  minimap: Minimap;
  /** Error spans in tree order (capped), so `e` can reach one not loaded yet. */
  errorIds: string;
  /** The zoom window for the find form to keep, as ms strings, or null. */
  zoom: { from: string; to: string } | null;
  find: string;
  findSummary: string | null;
  focus: { spanId: SpanId; label: string } | null;
  selected: SpanId | null;
}

export interface TracePageModel {
  title: string;
  nav: undefined;
  styles: string[];
  scripts: string[];
  header: TraceHeader;
  waterfall: WaterfallView;
  details: SpanDetails | null;
  /** A `?span=` naming no span of this trace: said in the details panel instead of failing the page. */
  missingSpan: SpanId | null;
  analysis: AnalysisPanel;
  apiPaths: string[];
  origin: string;
  /** The layout's skip link, the page's first Tab stop. */
  skipTo: { href: string; label: string };
}

export function traceHeader(tree: TraceTree, nowMs = Date.now()): TraceHeader {
  const root = tree.roots[0]?.span;
  const perService = new Map<string, number>();
  let depth = 0;
  let errors = 0;
  for (const n of tree.nodes.values()) {
    perService.set(n.span.service, (perService.get(n.span.service) ?? 0) + 1);
    if (n.depth + 1 > depth) depth = n.depth + 1;
    if (n.span.error) errors++;
  }
  return {
    traceId: root?.traceId ?? '',
    rootService: root?.service ?? '',
    rootName: root?.name ?? '',
    rootHue: hueStyle(root?.service ?? ''),
    startIso: isoUtc(tree.startNs),
    duration: formatMs(Number(tree.endNs - tree.startNs) / 1e6),
    services: [...perService].map(([name, spans]) => ({ name, hue: hueStyle(name), spans })),
    spanCount: plural(tree.spans.length, 'span'),
    depth,
    errors,
    arriving: tree.spans.length > 0 && stillArriving(tree.endNs, nowMs),
  };
}

export function waterfallView(tree: TraceTree, analysis: TraceAnalysis, opts: WaterfallOptions): WaterfallView {
  const ctx = rowContext(tree, analysis, opts);
  const items = waterfallRows(tree, ctx);
  const find = (opts.find ?? '').trim();
  const focusSpan = ctx.focus ? tree.nodes.get(ctx.focus)?.span : undefined;
  const fromMs = Number(ctx.axisStartNs - ctx.baseStartNs) / 1e6;
  return {
    traceId: ctx.traceId,
    items,
    ticks: axisTicks(ctx),
    minimap: minimap(tree, ctx, opts),
    errorIds: preorder(tree, ctx.focus)
      .filter((n) => n.span.error)
      .slice(0, MAX_ERROR_IDS)
      .map((n) => n.span.spanId)
      .join(' '),
    zoom: ctx.zoomed ? { from: msParam(fromMs), to: msParam(fromMs + Number(ctx.axisNs) / 1e6) } : null,
    find,
    findSummary: find === '' ? null : `${plural(ctx.matches.size, 'span')} of ${tree.spans.length.toLocaleString('en')} match`,
    focus: focusSpan ? { spanId: focusSpan.spanId, label: `${focusSpan.service} ${focusSpan.name}` } : null,
    selected: opts.selected ?? null,
  };
}

/** `e` can jump to this many errors beyond what is loaded; more are reached by find ("error"). */
const MAX_ERROR_IDS = 2000;
const MINI_LANES = 48;

/** Spans in tree (depth-first, start) order: the order the waterfall lists them in. */
function preorder(tree: TraceTree, focus?: SpanId): SpanNode[] {
  const start = focus ? tree.nodes.get(focus) : undefined;
  const out: SpanNode[] = [];
  const stack = start ? [start] : [...tree.roots].reverse();
  for (let n = stack.pop(); n; n = stack.pop()) {
    out.push(n);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  return out;
}

function minimap(tree: TraceTree, ctx: RowContext, opts: WaterfallOptions): Minimap {
  const nodes = preorder(tree, ctx.focus);
  const lanes = Math.max(1, Math.min(MINI_LANES, nodes.length));
  const base = Number(ctx.baseNs);
  const perLane: Array<Array<[number, number, boolean]>> = Array.from({ length: lanes }, () => []);
  nodes.forEach((n, i) => {
    const x0 = (Number(n.span.startTimeUnixNano - ctx.baseStartNs) / base) * 1000;
    const x1 = (Number(n.span.endTimeUnixNano - ctx.baseStartNs) / base) * 1000;
    perLane[Math.floor((i * lanes) / nodes.length)].push([Math.max(0, x0), Math.min(1000, Math.max(x1, x0 + 1.5)), n.span.error]);
  });
  const runs: Minimap['runs'] = [];
  perLane.forEach((list, y) => {
    list.sort((a, b) => a[0] - b[0]);
    let cur: [number, number, boolean] | undefined;
    for (const r of list) {
      // Runs closer than one unit of the 1000-wide box merge: the minimap stays a few hundred rects at most.
      if (cur && r[0] <= cur[1] + 1) {
        cur[1] = Math.max(cur[1], r[1]);
        cur[2] ||= r[2];
      } else {
        if (cur) runs.push({ x: cur[0].toFixed(1), y, w: (cur[1] - cur[0]).toFixed(1), err: cur[2] });
        cur = [r[0], r[1], r[2]];
      }
    }
    if (cur) runs.push({ x: cur[0].toFixed(1), y, w: (cur[1] - cur[0]).toFixed(1), err: cur[2] });
  });
  const totalMs = base / 1e6;
  const fromMs = Number(ctx.axisStartNs - ctx.baseStartNs) / 1e6;
  const winMs = Number(ctx.axisNs) / 1e6;
  const page = `/trace/${ctx.traceId}`;
  const keep = new URLSearchParams();
  if (ctx.focus) keep.set('focus', ctx.focus);
  if (opts.find?.trim()) keep.set('find', opts.find.trim());
  const zoomBase = keep.size ? `${page}?${keep}` : page;
  const zoomHref = (a: number, b: number) => `${zoomBase}${keep.size ? '&' : '?'}from=${msParam(a)}&to=${msParam(b)}#waterfall`;
  const quarters = [0, 1, 2, 3].map((q) => {
    const a = fromMs + (winMs * q) / 4;
    const b = fromMs + (winMs * (q + 1)) / 4;
    return {
      href: zoomHref(a, b),
      label: `Zoom to ${formatMs(a)}–${formatMs(b)}`,
      style: `left: ${((a / totalMs) * 100).toFixed(3)}%; width: ${(((b - a) / totalMs) * 100).toFixed(3)}%`,
    };
  });
  return {
    runs,
    height: lanes,
    window: ctx.zoomed
      ? { style: `left: ${((fromMs / totalMs) * 100).toFixed(3)}%; width: ${((winMs / totalMs) * 100).toFixed(3)}%` }
      : null,
    totalMs,
    zoomBase,
    quarters,
    resetHref: ctx.zoomed ? `${zoomBase}#waterfall` : null,
    windowLabel: ctx.zoomed ? `${formatMs(fromMs)} – ${formatMs(fromMs + winMs)} of ${formatMs(totalMs)}` : `0 – ${formatMs(totalMs)}`,
  };
}

export function tracePageModel(
  tree: TraceTree,
  analysis: TraceAnalysis,
  opts: WaterfallOptions,
  origin: string,
  nowMs = Date.now(),
): TracePageModel {
  const header = traceHeader(tree, nowMs);
  const ctx = { traceId: header.traceId, focus: opts.focus };
  const href = (id: SpanId, mark?: SpanId[]) => spanHref(ctx, id, mark);
  const selected = opts.selected ? tree.nodes.get(opts.selected)?.span : undefined;
  return {
    title: `${header.rootService} ${header.rootName}`.trim() || `Trace ${header.traceId}`,
    nav: undefined,
    styles: ['/static/trace.css'],
    scripts: ['/static/trace.js'],
    header,
    waterfall: waterfallView(tree, analysis, opts),
    details: selected ? spanDetails(tree, analysis, selected, (id) => href(id)) : null,
    missingSpan: opts.selected && !selected ? opts.selected : null,
    analysis: analysisPanel(analysis, href),
    apiPaths: [`/api/traces/${header.traceId}`, `/api/traces/${header.traceId}/analysis`],
    origin,
    skipTo: { href: '#waterfall-rows', label: 'Skip to the waterfall' },
  };
}
