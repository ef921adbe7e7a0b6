import type { ComparedSpan, SideSpan, TraceComparison, TraceSideSummary } from '../../analysis/compare.js';
import type { TraceSummary } from '../../model/query.js';
import type { TraceId } from '../../model/span.js';
import { formatMs, hueStyle, isoUtc, plural, relativeTime } from '../format.js';

/** View models of the compare page: finished strings, percentages and classes; the templates only place them. */

/** More rows than this and the table is cut, with a note; the JSON API still has every span. */
export const MAX_ROWS = 2000;

export interface SideHeader {
  label: 'A' | 'B';
  traceId: TraceId;
  shortId: string;
  href: string;
  rootService: string;
  rootName: string;
  hue: string;
  startIso: string;
  duration: string;
  spanCount: string;
  errors: string;
}

export interface BarView {
  /** `left: 12.5%; width: 3.1%`: numbers only, safe in a style attribute. */
  style: string;
  text: string;
  error: boolean;
  /** Deep link to the span on its trace page. */
  href: string;
}

export interface RowView {
  /** Anchor the summary links to. */
  id: string;
  service: string;
  /** What the span does (span-name.ts spanLabel): "GET → inventory" for an outgoing call. */
  name: string;
  hue: string;
  /** "#3" for the third same-named sibling, '' for the first. */
  occurrence: string;
  indentStyle: string;
  path: string;
  rowClass: string;
  /** "only in A" / "only in B" / '' */
  presenceLabel: string;
  a: BarView | undefined;
  b: BarView | undefined;
  delta: string;
  deltaPct: string;
  deltaClass: string;
}

export interface ChangeView {
  /** In-page link to its row in the table, and the full path for its tooltip (names repeat across parents). */
  href: string;
  path: string;
  service: string;
  hue: string;
  name: string;
  delta: string;
  deltaClass: string;
}

export interface ResultView {
  sides: [SideHeader, SideHeader];
  rows: RowView[];
  hiddenRows: number;
  /** The longer trace's duration: the right end of both bar columns. */
  scale: string;
  total: { delta: string; deltaPct: string; deltaClass: string };
  counts: { matched: string; onlyA: string; onlyB: string };
  sameRoot: boolean;
  regressions: ChangeView[];
  improvements: ChangeView[];
  swapHref: string;
}

export function sideHeader(label: 'A' | 'B', id: TraceId, s: TraceSideSummary): SideHeader {
  return {
    label,
    traceId: id,
    shortId: id.slice(0, 8),
    href: `/trace/${id}`,
    rootService: s.rootService,
    rootName: s.rootName,
    hue: hueStyle(s.rootService),
    startIso: isoUtc(s.startNs),
    duration: formatMs(s.durationMs),
    spanCount: plural(s.spanCount, 'span'),
    errors: s.errorCount ? plural(s.errorCount, 'error') : '',
  };
}

export function resultView(ids: { a: TraceId; b: TraceId }, c: TraceComparison): ResultView {
  // One scale for both sides, so a bar twice as long took twice as long whichever trace it is in.
  const scaleMs = Math.max(c.a.durationMs, c.b.durationMs, 0.001);
  const rows = c.rows.slice(0, MAX_ROWS).map((r, i) => rowView(r, i, ids, scaleMs));
  const index = new Map(c.rows.map((r, i) => [r, i]));
  const change = (r: ComparedSpan): ChangeView => ({
    href: `#cmp-row-${index.get(r)}`,
    path: r.path,
    service: r.service,
    hue: hueStyle(r.service),
    name: r.label + (r.occurrence > 1 ? ` #${r.occurrence}` : ''),
    delta: signedMs(r.deltaMs!) + (r.deltaPct === undefined ? '' : ` (${signedPct(r.deltaPct)})`),
    deltaClass: `delta ${r.change}`,
  });
  return {
    sides: [sideHeader('A', ids.a, c.a), sideHeader('B', ids.b, c.b)],
    rows,
    hiddenRows: c.rows.length - rows.length,
    scale: formatMs(scaleMs),
    total: {
      delta: signedMs(c.deltaMs),
      deltaPct: c.deltaPct === undefined ? '' : signedPct(c.deltaPct),
      deltaClass: `delta ${c.deltaMs === 0 ? 'same' : c.deltaMs > 0 ? 'slower' : 'faster'}`,
    },
    counts: {
      matched: plural(c.matched, 'span') + ' on both sides',
      onlyA: `${c.onlyA.toLocaleString('en')} only in A`,
      onlyB: `${c.onlyB.toLocaleString('en')} only in B`,
    },
    sameRoot: c.sameRoot,
    regressions: c.regressions.slice(0, 5).map(change),
    improvements: c.improvements.slice(0, 3).map(change),
    swapHref: compareHref(ids.b, ids.a),
  };
}

function rowView(r: ComparedSpan, i: number, ids: { a: TraceId; b: TraceId }, scaleMs: number): RowView {
  const labels = { both: '', 'only-a': 'only in A', 'only-b': 'only in B' } as const;
  return {
    id: `cmp-row-${i}`,
    service: r.service,
    name: r.label,
    hue: hueStyle(r.service),
    occurrence: r.occurrence > 1 ? `#${r.occurrence}` : '',
    indentStyle: `--depth: ${Math.min(r.depth, 40)}`,
    path: r.path,
    rowClass: `cmp-row ${r.presence}${r.change === 'slower' || r.change === 'faster' ? ` ${r.change}` : ''}`,
    presenceLabel: labels[r.presence],
    a: r.a && barView(r.a, ids.a, scaleMs),
    b: r.b && barView(r.b, ids.b, scaleMs),
    delta: r.deltaMs === undefined ? '' : signedMs(r.deltaMs),
    deltaPct: r.deltaPct === undefined ? '' : signedPct(r.deltaPct),
    deltaClass: `delta ${r.change}`,
  };
}

function barView(s: SideSpan, traceId: TraceId, scaleMs: number): BarView {
  const left = clampPct((s.offsetMs / scaleMs) * 100);
  const width = Math.max(0.4, Math.min(100 - left, (s.durationMs / scaleMs) * 100));
  return {
    style: `left: ${left.toFixed(2)}%; width: ${width.toFixed(2)}%`,
    text: formatMs(s.durationMs),
    error: s.error,
    href: `/trace/${traceId}?span=${s.spanId}`,
  };
}

export interface RecentView {
  traceId: TraceId;
  shortId: string;
  rootService: string;
  rootName: string;
  hue: string;
  duration: string;
  startIso: string;
  startRel: string;
  errors: string;
  asAHref: string;
  asBHref: string;
  isA: boolean;
  isB: boolean;
}

/** Quick choices for the picker: each trace can become side A or side B, keeping the other side as chosen. */
export function recentView(t: TraceSummary, chosen: { a: string; b: string }, nowMs: number): RecentView {
  return {
    traceId: t.traceId,
    shortId: t.traceId.slice(0, 8),
    rootService: t.rootService,
    rootName: t.rootName,
    hue: hueStyle(t.rootService),
    duration: formatMs(Number(t.durationNs) / 1e6),
    startIso: isoUtc(t.startTimeUnixNano),
    startRel: relativeTime(t.startTimeUnixNano, nowMs),
    errors: t.errorCount ? plural(t.errorCount, 'error') : '',
    asAHref: compareHref(t.traceId, chosen.b),
    asBHref: compareHref(chosen.a, t.traceId),
    isA: t.traceId === chosen.a,
    isB: t.traceId === chosen.b,
  };
}

export function compareHref(a: string, b: string): string {
  const q = new URLSearchParams();
  if (a) q.set('a', a);
  if (b) q.set('b', b);
  const s = q.toString();
  return s ? `/compare?${s}` : '/compare';
}

function signedMs(ms: number): string {
  if (ms === 0) return '±0 ms';
  return (ms > 0 ? '+' : '−') + formatMs(Math.abs(ms));
}

function signedPct(p: number): string {
  const r = Math.round(p);
  if (r === 0) return '±0 %';
  return `${r > 0 ? '+' : '−'}${Math.abs(r).toLocaleString('en')} %`;
}

function clampPct(p: number): number {
  return Math.max(0, Math.min(100, p));
}
