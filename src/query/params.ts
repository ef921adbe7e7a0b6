import { InvalidInputError } from '../model/errors.js';
import type { Nanos, TraceId } from '../model/span.js';

/**
 * Parameter parsing, once for every view: the JSON API, the HTML pages and the CLI flags read durations, times,
 * limits and cursors through these, so they accept and refuse the same text with the same message.
 */

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const DURATION_PART = /(\d+(?:\.\d+)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Go-style durations: `250ms`, `1.5s`, `2m`, `100us`, `1m30s`. A bare number is refused: its unit is a guess. */
export function parseDuration(text: string, param: string): Nanos {
  const bad = () =>
    new InvalidInputError(`${param} must be a duration like 250ms, 1.5s, 2m or 100us, got "${text}"`, param);
  if (text === '') throw bad();
  let total = 0n;
  DURATION_PART.lastIndex = 0;
  while (DURATION_PART.lastIndex < text.length) {
    const start = DURATION_PART.lastIndex;
    const m = DURATION_PART.exec(text);
    if (!m || m.index !== start) throw bad();
    total += decimalTimes(m[1], UNIT_NS[m[2]]);
  }
  return total;
}

/** Exact decimal × unit, without a float round trip ("1.5" s → 1500000000 ns). */
function decimalTimes(decimal: string, unit: bigint): bigint {
  const [whole, frac = ''] = decimal.split('.');
  const scale = 10n ** BigInt(frac.length);
  return (BigInt(whole || '0') * scale + BigInt(frac || '0')) * unit / scale;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$/;

/** RFC 3339 (nanosecond fractions kept) or integer epoch milliseconds. */
export function parseTime(text: string, param: string): Nanos {
  if (/^\d{1,16}$/.test(text)) return BigInt(text) * 1_000_000n;
  const m = RFC3339.exec(text);
  const ms = m ? Date.parse(`${m[1]}T${m[2]}${m[4].toUpperCase()}`) : NaN;
  if (!m || Number.isNaN(ms) || !isCalendarDate(m[1])) {
    throw new InvalidInputError(
      `${param} must be RFC 3339 (2026-01-02T15:04:05Z) or epoch milliseconds, got "${text}"`,
      param,
    );
  }
  return BigInt(ms) * 1_000_000n + BigInt((m[3] ?? '').padEnd(9, '0') || '0');
}

/** Date.parse rolls 2023-02-30 over to March 2nd; a day that does not exist is an error. */
function isCalendarDate(ymd: string): boolean {
  const [y, mo, d] = ymd.split('-').map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

export function parseLimit(text: string | undefined, param: string, dflt: number, max: number): number {
  if (text === undefined || text === '') return dflt;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > max) {
    throw new InvalidInputError(`${param} must be an integer from 1 to ${max}, got "${text}"`, param);
  }
  return n;
}

export function parseBool(text: string | undefined, param: string): boolean {
  if (text === undefined || text === '' || text === 'false') return false;
  if (text === 'true') return true;
  throw new InvalidInputError(`${param} must be true or false, got "${text}"`, param);
}

/** `key=value`; the value may itself contain `=`. */
export function parseAttr(text: string, param: string): { key: string; value: string } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidInputError(`${param} must be key=value, got "${text}"`, param);
  return { key: text.slice(0, eq), value: text.slice(eq + 1) };
}

/** Opaque to clients: base64url of "startNs:traceId" of the last trace on the previous page. */
export function encodeCursor(startNs: Nanos, traceId: TraceId): string {
  return Buffer.from(`${startNs}:${traceId}`).toString('base64url');
}

export function decodeCursor(text: string, param: string): { startNs: Nanos; traceId: TraceId } {
  const m = /^(\d{1,20}):([0-9a-f]{32})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!m) throw new InvalidInputError(`${param} is not a cursor this server returned`, param);
  return { startNs: BigInt(m[1]), traceId: m[2] };
}

/** `a,b,c` → ['a', 'b', 'c']; blanks around names are dropped. */
export function parseServiceList(text: string | undefined, param: string): string[] {
  const names = (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) {
    throw new InvalidInputError(`${param} must list the expected services in order, e.g. ${param}=frontend,checkout`, param);
  }
  return names;
}
