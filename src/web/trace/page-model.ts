import { stillArriving } from '../../analysis/arriving.js';
import type { TraceAnalysis, TraceTree } from '../../analysis/types.js';
import type { SpanId } from '../../model/span.js';
import { formatMs, hueStyle, isoUtc, plural } from '../format.js';
import { analysisPanel, type AnalysisPanel } from './analysis-panel.js';
import { spanDetails, type SpanDetails } from './details.js';
import { axisTicks, rowContext, spanHref, waterfallRows, type Item, type Tick, type WaterfallOptions } from './waterfall.js';

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

export interface WaterfallView {
  traceId: string;
  items: Item[];
  ticks: Tick[];
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
  return {
    traceId: ctx.traceId,
    items,
    ticks: axisTicks(ctx),
    find,
    findSummary: find === '' ? null : `${plural(ctx.matches.size, 'span')} of ${tree.spans.length.toLocaleString('en')} match`,
    focus: focusSpan ? { spanId: focusSpan.spanId, label: `${focusSpan.service} ${focusSpan.name}` } : null,
    selected: opts.selected ?? null,
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
  const href = (id: SpanId) => spanHref(ctx, id);
  const selected = opts.selected ? tree.nodes.get(opts.selected)?.span : undefined;
  return {
    title: `${header.rootService} ${header.rootName}`.trim() || `Trace ${header.traceId}`,
    nav: undefined,
    styles: ['/static/trace.css'],
    scripts: ['/static/trace.js'],
    header,
    waterfall: waterfallView(tree, analysis, opts),
    details: selected ? spanDetails(tree, analysis, selected, href) : null,
    missingSpan: opts.selected && !selected ? opts.selected : null,
    analysis: analysisPanel(analysis, href),
    apiPaths: [`/api/traces/${header.traceId}`, `/api/traces/${header.traceId}/analysis`],
    origin,
  };
}
