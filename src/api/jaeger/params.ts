import { InvalidInputError } from '../../model/errors.js';
import { parseTraceId } from '../../model/ids.js';
import type { TraceQuery } from '../../model/query.js';
import { SpanKind, type Nanos, type TraceId } from '../../model/span.js';
import { parseDuration, parseTime } from '../../query/params.js';
import { MAX_SEARCH_LIMIT, parseTraceQuery } from '../../query/search.js';
import type { TimeWindow } from '../../query/window.js';

/**
 * Jaeger's query parameters → the native `TraceQuery`, through the one search parser (query/search.ts): only the
 * Jaeger spellings are read here (µs epochs, `tags` JSON, `tag=k:v`, `lookback`, the v3 `query.*` names in both
 * cases); service, operation, durations, attribute filters and the limit are validated by `parseTraceQuery`.
 */

export type RawQuery = Record<string, string | string[] | undefined>;

/** Jaeger's default for both APIs (query_parser.go: defaultQueryLimit, apiv3 defaultSearchDepth). */
export const JAEGER_DEFAULT_LIMIT = 100;
/** Jaeger's default search window when `start` is absent (defaultTraceQueryLookbackDuration). */
export const DEFAULT_LOOKBACK_NS = 48n * 3_600_000_000_000n;
/** Jaeger's default dependency window (defaultDependencyLookbackDuration), in ms. */
export const DEFAULT_DEPENDENCY_LOOKBACK_MS = 86_400_000n;

const US = 1_000n;
const MS = 1_000_000n;

/** The first value of a parameter, as Go's url.Values.Get: '' when absent. */
export function one(q: RawQuery, name: string): string {
  const v = q[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

export function all(q: RawQuery, name: string): string[] {
  const v = q[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The canonical name's value, else its deprecated alias's, with the name that gave it (apiv3 getQueryParam). */
export function either(q: RawQuery, canonical: string, alias: string): { value: string; param: string } {
  const v = one(q, canonical);
  return v !== '' ? { value: v, param: canonical } : { value: one(q, alias), param: alias };
}

/** Go's strconv.ParseBool: 1, t, T, TRUE, true, True and their false forms; '' is false. */
export function goBool(text: string, param: string): boolean {
  if (text === '' || /^(0|f|F|FALSE|false|False)$/.test(text)) return false;
  if (/^(1|t|T|TRUE|true|True)$/.test(text)) return true;
  throw new InvalidInputError(`${param} must be true or false, got "${text}"`, param);
}

/** A Go duration (`1.2s`, `100ms`, `5us`, `1h2m`, and `0`), as time.ParseDuration takes it; negative ones refused. */
export function goDuration(text: string, param: string): Nanos {
  return parseDuration(text === '0' ? '0s' : text.replace(/^\+/, ''), param);
}

/** An integer epoch in `unit` nanoseconds (µs for search, ms for dependencies). */
function epoch(text: string, param: string, unit: bigint, unitName: string): Nanos {
  if (!/^\d{1,19}$/.test(text)) throw new InvalidInputError(`${param} must be an integer of epoch ${unitName}, got "${text}"`, param);
  return BigInt(text) * unit;
}

/** `tags` JSON maps (each `{"k":"v"}`; numbers and booleans are taken as their text) and `tag=k:v`, later ones winning. */
export function parseTags(tag: string[], tags: string[], tagsParam = 'tags'): Array<{ key: string; value: string }> {
  const map = new Map<string, string>();
  for (const t of tag) {
    const colon = t.indexOf(':');
    if (colon <= 0) throw new InvalidInputError(`tag must be key:value, got "${t}"`, 'tag');
    map.set(t.slice(0, colon), t.slice(colon + 1));
  }
  for (const text of tags) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new InvalidInputError(`${tagsParam} must be a JSON object of key to value, got "${text}"`, tagsParam);
    }
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
        throw new InvalidInputError(`${tagsParam}: the value of "${k}" must be a string, number or boolean`, tagsParam);
      }
      map.set(k, String(v));
    }
  }
  return [...map].map(([key, value]) => ({ key, value }));
}

function limitText(text: string, param: string): string | undefined {
  if (text === '') return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_SEARCH_LIMIT) {
    throw new InvalidInputError(`${param} must be an integer from 1 to ${MAX_SEARCH_LIMIT}, got "${text}"`, param);
  }
  return text;
}

/** The shared tail: the native parser with Jaeger's default limit, then the time window (end ≥ start). */
function toTraceQuery(
  p: { service: string; operation: string; minDuration?: Nanos; maxDuration?: Nanos; limit?: string },
  attrs: Array<{ key: string; value: string }>,
  startNs: Nanos,
  endNs: Nanos,
  startParam: string,
): TraceQuery {
  // Jaeger's `error=true` tag is what its model writes for a failed span (model.ts): it selects failed traces
  // by tracelite's one definition of failure; any other tag is an attribute filter.
  const failed = attrs.some((a) => a.key === 'error' && a.value === 'true');
  const q = parseTraceQuery({
    error: failed ? 'true' : undefined,
    service: p.service,
    operation: p.operation,
    minDuration: p.minDuration !== undefined ? `${p.minDuration}ns` : undefined,
    maxDuration: p.maxDuration !== undefined ? `${p.maxDuration}ns` : undefined,
    attr: attrs.filter((a) => !(a.key === 'error' && a.value === 'true')).map((a) => `${a.key}=${a.value}`),
    limit: p.limit ?? String(JAEGER_DEFAULT_LIMIT),
  });
  if (endNs < startNs) throw new InvalidInputError(`end must not be before ${startParam}`, startParam);
  q.startNs = startNs;
  q.endNs = endNs;
  return q;
}

export type V1Search = { traceIds: TraceId[] } | { query: TraceQuery };

/**
 * GET /api/traces (v1). `traceID` (repeatable) makes it a multi-get and the other filters are not applied, as in
 * Jaeger. `start`/`end` are epoch µs; end defaults to now; a missing start is `end − lookback` when `lookback` is a
 * duration (`1h`, `2d`: the old Jaeger UI's choices), else Jaeger's default of 48 h (Grafana sends
 * `lookback=custom` with both start and end).
 */
export function parseV1Search(q: RawQuery, nowMs: number): V1Search {
  const ids = all(q, 'traceID').filter((t) => t !== '');
  goBool(one(q, 'raw'), 'raw');
  if (ids.length > 0) return { traceIds: [...new Set(ids.map((t) => parseTraceId(t, 'traceID')))] };
  const endNs = one(q, 'end') !== '' ? epoch(one(q, 'end'), 'end', US, 'microseconds') : BigInt(Math.floor(nowMs)) * MS;
  const startNs = one(q, 'start') !== '' ? epoch(one(q, 'start'), 'start', US, 'microseconds') : endNs - lookback(one(q, 'lookback'));
  const min = one(q, 'minDuration');
  const max = one(q, 'maxDuration');
  if (min !== '' && max !== '' && goDuration(max, 'maxDuration') < goDuration(min, 'minDuration')) {
    throw new InvalidInputError("'maxDuration' should be greater than 'minDuration'", 'maxDuration');
  }
  return {
    query: toTraceQuery(
      {
        service: one(q, 'service'),
        operation: one(q, 'operation'),
        minDuration: min !== '' ? goDuration(min, 'minDuration') : undefined,
        maxDuration: max !== '' ? goDuration(max, 'maxDuration') : undefined,
        limit: limitText(one(q, 'limit'), 'limit'),
      },
      parseTags(all(q, 'tag'), all(q, 'tags')),
      startNs,
      endNs,
      'start',
    ),
  };
}

function lookback(text: string): Nanos {
  if (text === '' || text === 'custom') return DEFAULT_LOOKBACK_NS;
  const days = /^(\d+)d$/.exec(text);
  if (days) return BigInt(days[1]) * 24n * 3_600_000_000_000n;
  return goDuration(text, 'lookback');
}

/** GET /api/v3/traces and /api/v3/trace-summaries: `query.*` in camelCase or the deprecated snake_case. */
export function parseV3Search(q: RawQuery): TraceQuery {
  const min = either(q, 'query.startTimeMin', 'query.start_time_min');
  const max = either(q, 'query.startTimeMax', 'query.start_time_max');
  if (min.value === '' || max.value === '') {
    throw new InvalidInputError('query.startTimeMin and query.startTimeMax are required', 'query.startTimeMin');
  }
  const startNs = rfc3339(min.value, min.param);
  const endNs = rfc3339(max.value, max.param);
  if (startNs >= endNs) throw new InvalidInputError('query.startTimeMin must be before query.startTimeMax', 'query.startTimeMin');
  if (one(q, 'query.filter') !== '') throw new InvalidInputError('query.filter is not supported by tracelite', 'query.filter');
  const raw = either(q, 'query.rawTraces', 'query.raw_traces');
  goBool(raw.value, raw.param);
  let depth = either(q, 'query.searchDepth', 'query.search_depth');
  if (depth.value === '') depth = { value: one(q, 'query.num_traces'), param: 'query.num_traces' };
  const dMin = either(q, 'query.durationMin', 'query.duration_min');
  const dMax = either(q, 'query.durationMax', 'query.duration_max');
  const attributes = one(q, 'query.attributes');
  return toTraceQuery(
    {
      service: either(q, 'query.serviceName', 'query.service_name').value,
      operation: either(q, 'query.operationName', 'query.operation_name').value,
      minDuration: dMin.value !== '' ? goDuration(dMin.value, dMin.param) : undefined,
      maxDuration: dMax.value !== '' ? goDuration(dMax.value, dMax.param) : undefined,
      limit: limitText(depth.value, depth.param),
    },
    parseTags([], attributes !== '' ? [attributes] : [], 'query.attributes'),
    startNs,
    endNs,
    'query.startTimeMin',
  );
}

/**
 * RFC 3339 with nanoseconds (Go's time.RFC3339Nano). Grafana sends these unescaped, so a `+01:00` offset arrives
 * as ` 01:00`: a space before the offset is read back as the `+` it was.
 */
export function rfc3339(text: string, param: string): Nanos {
  if (/^\d+$/.test(text)) throw new InvalidInputError(`${param} must be RFC 3339 (2026-01-02T15:04:05.123456789Z), got "${text}"`, param);
  return parseTime(text.replace(/ (\d{2}:\d{2})$/, '+$1'), param);
}

/** Jaeger's span kind names; `internal` also matches UNSPECIFIED (v3 reports both as internal). */
const KINDS: Record<string, number[]> = {
  server: [SpanKind.SERVER],
  client: [SpanKind.CLIENT],
  producer: [SpanKind.PRODUCER],
  consumer: [SpanKind.CONSUMER],
  internal: [SpanKind.INTERNAL, SpanKind.UNSPECIFIED],
};

/** `spanKind` → the OTLP kinds it selects; undefined (all) when empty. */
export function parseSpanKind(text: string, param: string): number[] | undefined {
  if (text === '') return undefined;
  const kinds = KINDS[text];
  if (!kinds) throw new InvalidInputError(`${param} must be one of ${Object.keys(KINDS).join(', ')} or empty, got "${text}"`, param);
  return kinds;
}

/** A trace ID as Jaeger takes it in a path: hex (1–32 digits) or base64 of 16 bytes (standard or URL-safe). */
export function parseJaegerTraceId(text: string, param: string): TraceId {
  if (/^[0-9a-fA-F]{1,32}$/.test(text)) return parseTraceId(text, param);
  if (/^[A-Za-z0-9+/_-]{22}(==)?$/.test(text)) {
    const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 16) return bytes.toString('hex');
  }
  throw new InvalidInputError(`${param} must be a trace ID in hex (up to 32 digits) or base64, got "${text}"`, param);
}

/** GET /api/dependencies: `endTs` (epoch ms, default now) and `lookback` (ms, default 24 h). */
export function parseDependencyWindow(q: RawQuery, nowMs: number): TimeWindow {
  const endTs = one(q, 'endTs');
  const lb = one(q, 'lookback');
  const endNs = endTs !== '' ? epoch(endTs, 'endTs', MS, 'milliseconds') : BigInt(Math.floor(nowMs)) * MS;
  const lookbackNs = lb !== '' ? epoch(lb, 'lookback', MS, 'milliseconds') : DEFAULT_DEPENDENCY_LOOKBACK_MS * MS;
  const startNs = endNs - lookbackNs;
  return { preset: 'custom', startNs: startNs < 0n ? 0n : startNs, endNs };
}
