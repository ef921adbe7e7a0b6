import { InvalidInputError } from '../model/errors.js';
import type { TraceReader } from '../model/ports.js';
import type { TraceQuery, TraceSummary } from '../model/query.js';
import type { Nanos, TraceId } from '../model/span.js';
import { decodeCursor, parseAttr, parseBool, parseDuration, parseLimit, parseTime } from './params.js';

/** The search parameters as GET /api/traces takes them (and the search page hands over, presets resolved). */
export interface RawTraceQuery {
  service?: string;
  operation?: string;
  minDuration?: string;
  maxDuration?: string;
  start?: string;
  end?: string;
  error?: string;
  attr?: string[];
  alsoService?: string[];
  limit?: string;
  cursor?: string;
}

export const DEFAULT_SEARCH_LIMIT = 20;
export const MAX_SEARCH_LIMIT = 1000;

/** The one validation of a trace search: the page and the API accept and refuse the same queries. */
export function parseTraceQuery(p: RawTraceQuery): TraceQuery {
  const q: TraceQuery = {
    errorOnly: parseBool(p.error, 'error'),
    attrs: (p.attr ?? []).map((a) => parseAttr(a, 'attr')),
    limit: parseLimit(p.limit, 'limit', DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT),
  };
  if (p.service) q.service = p.service;
  if (p.operation) q.operation = p.operation;
  const also = (p.alsoService ?? []).filter((s) => s !== '');
  if (also.length > 0) q.alsoServices = also;
  if (p.minDuration !== undefined) q.minDurationNs = parseDuration(p.minDuration, 'minDuration');
  if (p.maxDuration !== undefined) q.maxDurationNs = parseDuration(p.maxDuration, 'maxDuration');
  if (p.start !== undefined) q.startNs = parseTime(p.start, 'start');
  if (p.end !== undefined) q.endNs = parseTime(p.end, 'end');
  if (p.cursor !== undefined) q.after = decodeCursor(p.cursor, 'cursor');
  if (q.minDurationNs !== undefined && q.maxDurationNs !== undefined && q.maxDurationNs < q.minDurationNs) {
    throw new InvalidInputError('maxDuration must not be less than minDuration', 'maxDuration');
  }
  if (q.startNs !== undefined && q.endNs !== undefined && q.endNs < q.startNs) {
    throw new InvalidInputError('end must not be before start', 'end');
  }
  return q;
}

export interface SearchPage {
  /** At most `q.limit` traces, newest first. */
  traces: TraceSummary[];
  /** Where the next (older) page starts, when more traces match: the last trace of this page. */
  next?: { startNs: Nanos; traceId: TraceId };
  /** Why the page may be missing matches (an unindexed attribute filter checked on bounded candidates). */
  incomplete?: string;
}

/** One page of matches, read with limit + 1 so we know whether an older page exists. */
export function searchTraces(reader: Pick<TraceReader, 'findTraces'>, q: TraceQuery): SearchPage {
  const rows = reader.findTraces({ ...q, limit: q.limit + 1 });
  const traces = rows.slice(0, q.limit);
  const last = traces[traces.length - 1];
  const page: SearchPage = rows.length > q.limit && last ? { traces, next: { startNs: last.startTimeUnixNano, traceId: last.traceId } } : { traces };
  if (rows.incomplete) page.incomplete = rows.incomplete;
  return page;
}
