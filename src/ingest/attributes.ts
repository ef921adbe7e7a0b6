/**
 * JSON text builders shared by the protobuf and JSON decoders, so both produce byte-identical
 * `SpanRecord` text. Values arrive here already as JSON text (see `AttrValue` in model/span.ts).
 */

/** Array/kvlist values nested deeper than this are refused (real attributes nest a level or two). */
export const MAX_VALUE_DEPTH = 64;

/**
 * JSON string literal for `s`, identical to JSON.stringify(s). Most strings need no escaping, and
 * checking in JS (~1 ns a character) beats JSON.stringify's ~80 ns per call on short strings.
 */
export function quote(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Controls, '"', '\\', and surrogates (JSON.stringify escapes lone ones) take the slow path.
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return '"' + s + '"';
}

/** A double as JSON text; NaN and ±Infinity, which JSON cannot hold, become the strings "NaN" etc. */
export function doubleText(x: number): string {
  if (x === x && x !== Infinity && x !== -Infinity) return String(x);
  return x !== x ? '"NaN"' : x > 0 ? '"Infinity"' : '"-Infinity"';
}

const TWO32 = 4294967296;

/** An int64 given as two uint32 halves: a JSON number within ±(2^53−1), else its exact decimal string. */
export function int64Text(lo: number, hi: number): string {
  if (hi === 0) return String(lo);
  // Exact whenever |value| <= 2^53: (hi|0)*2^32 is exact and so is adding a uint32 at that size.
  const n = (hi | 0) * TWO32 + lo;
  if (Number.isSafeInteger(n)) return String(n);
  return '"' + BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString() + '"';
}

/** An int64 given as a BigInt (JSON decoder): same rule as `int64Text`. */
export function bigIntText(v: bigint): string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? String(n) : '"' + v.toString() + '"';
}

/** One `EventJson` as text; `attributes` is already object text. */
export function eventText(name: string, timeUnixNano: string, attributes: string, dropped: number): string {
  return (
    '{"name":' + quote(name) + ',"timeUnixNano":"' + timeUnixNano + '","attributes":' + attributes +
    ',"droppedAttributesCount":' + dropped + '}'
  );
}

/** One `LinkJson` as text; IDs are lowercase hex (no escaping needed). */
export function linkText(
  traceId: string,
  spanId: string,
  traceState: string,
  attributes: string,
  dropped: number,
  flags: number,
): string {
  return (
    '{"traceId":"' + traceId + '","spanId":"' + spanId + '","traceState":' + quote(traceState) +
    ',"attributes":' + attributes + ',"droppedAttributesCount":' + dropped + ',"flags":' + flags + '}'
  );
}

/** `service.name` from finished resource attribute text, when it is a string. */
export function serviceNameOf(attributes: string): string {
  if (attributes === '{}' || !attributes.includes('"service.name"')) return 'unknown_service';
  const v = (JSON.parse(attributes) as Record<string, unknown>)['service.name'];
  return typeof v === 'string' ? v : 'unknown_service';
}
