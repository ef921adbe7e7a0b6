import { stillArriving } from '../../analysis/arriving.js';
import type { TraceSummary } from '../../model/query.js';
import { encodeCursor } from '../../query/params.js';
import type { SearchPage } from '../../query/search.js';
import { formatMs, hueStyle, isoUtc, plural, relativeTime } from '../format.js';
import { SORTS, searchHref, type SearchForm, type Sort } from './form.js';
import { scatterModel, type ScatterModel } from './scatter.js';

export interface ResultRow {
  traceId: string;
  shortId: string;
  href: string;
  rootService: string;
  rootName: string;
  rootStyle: string;
  startIso: string;
  startRelative: string;
  duration: string;
  /** Bar width as a percentage of the slowest result: `width: 42.1%`. */
  barStyle: string;
  spanCount: number;
  errorCount: number;
  errorLabel: string;
  services: Array<{ name: string; style: string }>;
  /** Its newest span ended moments ago (analysis/arriving.ts): the counts may still grow. */
  arriving: boolean;
}

export interface ResultsModel {
  rows: ResultRow[];
  scatter: ScatterModel | null;
  summary: string;
  sorts: Array<{ label: string; href: string; current: boolean }>;
  /** The next page of matches (older traces), when there is one. */
  olderHref?: string;
  /** Back to the first page, when this is not it. */
  newestHref?: string;
  /** The announcement poll; absent when new traces cannot match (a fixed end, or a later page). */
  pollHref?: string;
  /** Why matches may be missing: an attribute filter that is not indexed was checked on bounded candidates. */
  incomplete?: string;
  /** `no-data` teaches how to send traces; `no-match` says the filters matched nothing. */
  empty?: 'no-data' | 'no-match';
}

/** One page of matches, and whether an older page exists. */
export function resultsModel(form: SearchForm, result: SearchPage, ctx: { nowMs: number; storeIsEmpty: boolean }): ResultsModel {
  const page = result.traces;
  const sorted = sortTraces(page, form.sort);
  const slowest = Math.max(1, ...page.map((t) => Number(t.durationNs)));
  const newest = page.reduce((m, t) => (t.startTimeUnixNano > m ? t.startTimeUnixNano : m), 0n);
  const model: ResultsModel = {
    rows: sorted.map((t) => row(t, slowest, ctx.nowMs)),
    scatter: scatterModel(page),
    summary: page.length === 0 ? '' : `${plural(page.length, 'trace')}${form.cursor ? ' (older page)' : ''}`,
    sorts: SORTS.map((s) => ({ label: s.label, href: searchHref(form, { sort: s.value }), current: s.value === form.sort })),
  };
  if (result.incomplete) model.incomplete = result.incomplete;
  if (result.next) model.olderHref = searchHref(form, { cursor: encodeCursor(result.next.startNs, result.next.traceId) });
  if (form.cursor) model.newestHref = searchHref(form, { cursor: '' });
  if (!form.cursor && !form.end) {
    const base = searchHref(form, {}, '/search/new'); // the sort rides along so "show" keeps it
    model.pollHref = `${base}${base.includes('?') ? '&' : '?'}since=${newest}`;
  }
  if (page.length === 0) model.empty = ctx.storeIsEmpty ? 'no-data' : 'no-match';
  // The first traces also fill the form's service list, so "show" must then reload the whole page.
  if (model.empty === 'no-data' && model.pollHref) model.pollHref += '&reload=page';
  return model;
}

export function sortTraces(traces: readonly TraceSummary[], sort: Sort): TraceSummary[] {
  const out = [...traces];
  if (sort === 'slowest') out.sort((a, b) => cmp(b.durationNs, a.durationNs));
  else if (sort === 'spans') out.sort((a, b) => b.spanCount - a.spanCount);
  return out; // newest: already in the store's (start desc) order
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function row(t: TraceSummary, slowestNs: number, nowMs: number): ResultRow {
  const pct = Math.max(0.5, (Number(t.durationNs) / slowestNs) * 100);
  return {
    traceId: t.traceId,
    shortId: t.traceId.slice(0, 8),
    href: `/trace/${t.traceId}`,
    rootService: t.rootService,
    rootName: t.rootName,
    rootStyle: hueStyle(t.rootService),
    startIso: isoUtc(t.startTimeUnixNano),
    startRelative: relativeTime(t.startTimeUnixNano, nowMs),
    duration: formatMs(Number(t.durationNs) / 1e6),
    barStyle: `width: ${pct.toFixed(1)}%`,
    spanCount: t.spanCount,
    errorCount: t.errorCount,
    errorLabel: plural(t.errorCount, 'error'),
    services: t.services.map((name) => ({ name, style: hueStyle(name) })),
    arriving: stillArriving(t.startTimeUnixNano + t.durationNs, nowMs),
  };
}

/** "12 new traces — show": the poll's answer; empty when nothing new has arrived. */
export function newTracesText(count: number, capped: boolean): string {
  if (count === 0) return '';
  return `${capped ? `${count}+` : count.toLocaleString('en')} new ${count === 1 && !capped ? 'trace' : 'traces'}`;
}
