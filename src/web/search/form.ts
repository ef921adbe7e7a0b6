import { InvalidInputError } from '../../model/errors.js';
import type { TraceQuery } from '../../model/query.js';
import { parseTraceQuery, type RawTraceQuery } from '../../query/search.js';
import { DEFAULT_WINDOW, PRESET_MS } from '../../query/window.js';

/** Time range presets offered by the form (query/window.ts's); `all` puts no bound on start time. */
export const RANGES = [
  { value: '5m', label: 'Last 5 minutes', ms: PRESET_MS['5m'] },
  { value: '15m', label: 'Last 15 minutes', ms: PRESET_MS['15m'] },
  { value: '1h', label: 'Last hour', ms: PRESET_MS['1h'] },
  { value: '24h', label: 'Last 24 hours', ms: PRESET_MS['24h'] },
  { value: 'all', label: 'All time', ms: 0 },
  { value: 'custom', label: 'Custom…', ms: 0 },
] as const;

export const SORTS = [
  { value: 'newest', label: 'Newest' },
  { value: 'slowest', label: 'Slowest' },
  { value: 'spans', label: 'Most spans' },
] as const;
export type Sort = (typeof SORTS)[number]['value'];

/** What the user typed, echoed back into the form and into every link the page builds. */
export interface SearchForm {
  service: string;
  operation: string;
  attrs: string[];
  alsoServices: string[];
  minDuration: string;
  maxDuration: string;
  range: string;
  start: string;
  end: string;
  error: boolean;
  limit: string;
  sort: Sort;
  cursor: string;
}

/** The querystring as fastify hands it over (the route schema makes attr and alsoService arrays). */
export type RawSearch = Partial<Record<Exclude<keyof SearchForm, 'attrs' | 'alsoServices' | 'error'>, string>> & {
  attr?: string[];
  alsoService?: string[];
  error?: string;
};

export interface ParsedSearch {
  form: SearchForm;
  /** The same parameters as GET /api/traces takes, presets resolved to absolute times. */
  api: URLSearchParams;
  query?: TraceQuery;
  /** A bad value: shown next to the form with status 400. */
  error?: { message: string; param?: string };
}

const str = { type: 'string' } as const;
const list = { type: 'array', items: str } as const;
export const searchQuerySchema = {
  type: 'object',
  properties: {
    service: str, operation: str, attr: list, alsoService: list, minDuration: str, maxDuration: str,
    range: str, start: str, end: str, error: str, limit: str, sort: str, cursor: str,
  },
} as const;

/** Empty fields are "not set": a GET form sends every field, filled or not. */
export function readForm(raw: RawSearch): SearchForm {
  const t = (s: string | undefined) => (s ?? '').trim();
  const start = t(raw.start);
  const end = t(raw.end);
  const range = t(raw.range) || (start || end ? 'custom' : DEFAULT_WINDOW.search);
  const sort = SORTS.find((s) => s.value === raw.sort)?.value ?? 'newest';
  return {
    service: t(raw.service),
    operation: t(raw.operation),
    attrs: (raw.attr ?? []).map(t).filter((a) => a !== ''),
    alsoServices: (raw.alsoService ?? []).map(t).filter((a) => a !== ''),
    minDuration: t(raw.minDuration),
    maxDuration: t(raw.maxDuration),
    range,
    start: range === 'custom' ? start : '',
    end: range === 'custom' ? end : '',
    error: raw.error === 'true' || raw.error === 'on',
    limit: t(raw.limit),
    sort,
    cursor: t(raw.cursor),
  };
}

/** `datetime-local` sends 2026-01-02T15:04 without a zone or seconds; we read it as UTC, as the label says. */
function toRfc3339(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(?:\.\d+)?)?$/.exec(text);
  return m ? `${m[1]}T${m[2]}${m[3] ?? ':00'}Z` : text;
}

/** The filters the page URL and the API query spell the same way. */
function filterParams(f: SearchForm): URLSearchParams {
  const p = new URLSearchParams();
  if (f.service) p.set('service', f.service);
  if (f.operation) p.set('operation', f.operation);
  for (const a of f.attrs) p.append('attr', a);
  for (const s of f.alsoServices) p.append('alsoService', s);
  if (f.minDuration) p.set('minDuration', f.minDuration);
  if (f.maxDuration) p.set('maxDuration', f.maxDuration);
  return p;
}

/** The /api/traces parameters equivalent to the form, with a preset turned into an absolute start. */
export function apiParams(form: SearchForm, nowMs: number): URLSearchParams {
  const p = filterParams(form);
  const preset = RANGES.find((r) => r.value === form.range);
  if (preset && preset.ms > 0) p.set('start', String(nowMs - preset.ms));
  if (form.start) p.set('start', toRfc3339(form.start));
  if (form.end) p.set('end', toRfc3339(form.end));
  if (form.error) p.set('error', 'true');
  if (form.limit) p.set('limit', form.limit);
  if (form.cursor) p.set('cursor', form.cursor);
  return p;
}

/** The same validation as GET /api/traces, so the page and the API accept and refuse the same queries. */
export function parseSearch(raw: RawSearch, nowMs: number): ParsedSearch {
  const form = readForm(raw);
  const api = apiParams(form, nowMs);
  if (!RANGES.some((r) => r.value === form.range)) {
    const message = `range must be one of ${RANGES.map((r) => r.value).join(', ')}, got "${form.range}"`;
    return { form, api, error: { message, param: 'range' } };
  }
  const params: Record<string, string | string[]> = {};
  for (const key of new Set(api.keys())) {
    params[key] = key === 'attr' || key === 'alsoService' ? api.getAll(key) : (api.get(key) as string);
  }
  try {
    return { form, api, query: parseTraceQuery(params as RawTraceQuery) };
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    return { form, api, error: { message: err.message, param: err.param } };
  }
}

/** A link to the search page for this form with some fields changed; default values are left out. */
export function searchHref(form: SearchForm, patch: Partial<SearchForm> = {}, path = '/'): string {
  const f = { ...form, ...patch };
  const p = filterParams(f);
  if (f.range !== 'all') p.set('range', f.range);
  if (f.start) p.set('start', f.start);
  if (f.end) p.set('end', f.end);
  if (f.error) p.set('error', 'true');
  if (f.limit) p.set('limit', f.limit);
  if (f.sort !== 'newest') p.set('sort', f.sort);
  if (f.cursor) p.set('cursor', f.cursor);
  const qs = p.toString();
  return qs ? `${path}?${qs}` : path;
}
