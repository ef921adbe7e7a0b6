import { InvalidInputError } from '../../model/errors.js';
import type { Nanos } from '../../model/span.js';
import type { Comparison, SpansetExpr, SpansetSearch } from '../../model/traceql.js';
import { parseTraceql } from './parse.js';

/** Tempo's /api/search parameters, as Grafana sends them (all strings). */
export interface RawTempoSearch {
  q?: string;
  tags?: string;
  minDuration?: string;
  maxDuration?: string;
  limit?: string;
  start?: string;
  end?: string;
  spss?: string;
}

export const TEMPO_DEFAULT_LIMIT = 20;
export const TEMPO_MAX_LIMIT = 1000;
export const TEMPO_DEFAULT_SPSS = 3;
const MAX_SPSS = 1000;

/**
 * The one validation of a Tempo search: `q` (TraceQL), or the older `tags` (logfmt, `k=v k2="v 2"`), with
 * `minDuration`/`maxDuration` (Go durations, on the trace), `limit` (default 20), `start`/`end` (unix seconds, on
 * the trace's start) and `spss` (matched spans returned per trace, default 3).
 */
export function parseTempoSearch(p: RawTempoSearch): SpansetSearch {
  const expr = p.q !== undefined && p.q.trim() !== '' ? parseTraceql(p.q) : p.tags ? tagsExpr(p.tags) : ({ type: 'true' } as const);
  const q: SpansetSearch = {
    expr,
    limit: positiveInt(p.limit, 'limit', TEMPO_DEFAULT_LIMIT, TEMPO_MAX_LIMIT),
    spansPerSet: positiveInt(p.spss, 'spss', TEMPO_DEFAULT_SPSS, MAX_SPSS),
  };
  if (p.minDuration) q.minDurationNs = goDuration(p.minDuration, 'minDuration');
  if (p.maxDuration) q.maxDurationNs = goDuration(p.maxDuration, 'maxDuration');
  if (p.start) q.startNs = unixSeconds(p.start, 'start');
  if (p.end) q.endNs = unixSeconds(p.end, 'end') + 999_999_999n; // the whole last second
  if (q.minDurationNs !== undefined && q.maxDurationNs !== undefined && q.maxDurationNs < q.minDurationNs) {
    throw new InvalidInputError('maxDuration must not be less than minDuration', 'maxDuration');
  }
  if (q.startNs !== undefined && q.endNs !== undefined && q.endNs < q.startNs) throw new InvalidInputError('end must not be before start', 'end');
  return q;
}

/** Unix seconds (Tempo's start/end) → epoch nanoseconds. */
export function unixSeconds(text: string, param: string): Nanos {
  if (!/^\d{1,12}$/.test(text)) throw new InvalidInputError(`${param} must be unix seconds`, param);
  return BigInt(text) * 1_000_000_000n;
}

export function positiveInt(text: string | undefined, param: string, fallback: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1) throw new InvalidInputError(`${param} must be a positive integer`, param);
  return Math.min(Number(text), max);
}

const UNITS: Record<string, bigint> = { ns: 1n, us: 1_000n, 'µs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

/** A Go duration (`100ms`, `1.5s`, `1h30m`) in nanoseconds. */
export function goDuration(text: string, param: string): Nanos {
  if (!/^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.test(text)) throw new InvalidInputError(`${param} must be a duration such as 100ms or 1.5s`, param);
  let ns = 0n;
  for (const m of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
    const [whole, frac = ''] = m[1].split('.');
    const unit = UNITS[m[2]];
    ns += BigInt(whole || '0') * unit + (frac ? (BigInt(frac) * unit) / 10n ** BigInt(frac.length) : 0n);
  }
  return ns;
}

/**
 * Tempo's older tag search as a spanset: every `k=v` on one span, `name` the span name, `service.name` the
 * resource's, `status.code=error` or `error=true` a failed status, anything else an attribute of the span or its
 * resource compared by text. Exactly: Tempo's legacy tag search matched a case-insensitive substring, which no index
 * here answers; Grafana's current editors send TraceQL instead.
 */
export function tagsExpr(text: string): SpansetExpr {
  const terms: Comparison[] = [];
  const re = /\s*([^\s=]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(text)) !== null) {
    at = re.lastIndex;
    const key = m[1];
    const value = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
    if (key === 'name') terms.push({ type: 'comparison', field: { type: 'intrinsic', name: 'name' }, op: '=', value: { type: 'string', value } });
    else if ((key === 'status.code' && value === 'error') || (key === 'error' && value === 'true')) {
      terms.push({ type: 'comparison', field: { type: 'intrinsic', name: 'status' }, op: '=', value: { type: 'status', value: 2 } });
    } else {
      const scope = key === 'service.name' ? 'resource' : 'any';
      terms.push({ type: 'comparison', field: { type: 'attribute', scope, key }, op: '=', value: { type: 'string', value } });
    }
  }
  if (text.slice(at).trim() !== '') throw new InvalidInputError(`tags must be logfmt (key=value key2="value 2"): cannot read ${JSON.stringify(text.slice(at).trim())}`, 'tags');
  let expr: SpansetExpr = { type: 'true' };
  for (const [i, t] of terms.entries()) expr = i === 0 ? t : { type: 'and', left: expr, right: t };
  return expr;
}
