/**
 * JSON text builders shared by the protobuf and JSON decoders, so both produce byte-identical
 * `SpanRecord` text. Values arrive here already as JSON text (see `AttrValue` in model/span.ts).
 */

/** Array/kvlist values nested deeper than this are refused (real attributes nest a level or two). */
export const MAX_VALUE_DEPTH = 64;

/** JSON string literal for `s` (JSON.stringify is native and the fastest correct escaper). */
export const quote: (s: string) => string = JSON.stringify;

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

/**
 * Builds the JSON text of an attributes object from (key, value-text) pairs. A repeated key keeps its
 * first position and takes the last value, exactly what JSON.parse does with duplicate keys, but the
 * text itself never holds duplicates (SQLite's json_extract would return the first one).
 */
export class ObjectText {
  private readonly keys: string[] = [];
  private readonly vals: string[] = [];

  add(key: string, value: string): void {
    // Linear scan: attribute lists are short (~16), and this beats hashing every key into a Set.
    const i = this.keys.indexOf(key);
    if (i < 0) {
      this.keys.push(key);
      this.vals.push(value);
    } else this.vals[i] = value;
  }

  /** The `{...}` text; also empties the builder so it can be reused. */
  take(): string {
    const keys = this.keys;
    const n = keys.length;
    if (n === 0) return '{}';
    const vals = this.vals;
    let s = '{' + quote(keys[0]) + ':' + vals[0];
    for (let i = 1; i < n; i++) s += ',' + quote(keys[i]) + ':' + vals[i];
    keys.length = 0;
    vals.length = 0;
    return s + '}';
  }

  clear(): void {
    this.keys.length = 0;
    this.vals.length = 0;
  }
}

/**
 * A stack of reusable builders: each attribute list being decoded (span, event, link, nested kvlist)
 * borrows one, so a request allocates a handful of builders instead of one per list.
 */
export class ObjectTextPool {
  private readonly stack: ObjectText[] = [];
  private top = 0;

  acquire(): ObjectText {
    if (this.top === this.stack.length) this.stack.push(new ObjectText());
    const b = this.stack[this.top++];
    return b;
  }

  /** Returns the most recently acquired builder's text and releases it. */
  release(b: ObjectText): string {
    this.top--;
    return b.take();
  }

  /** Called at the start of every request: an earlier one may have thrown with builders held. */
  reset(): void {
    for (let i = 0; i < this.top; i++) this.stack[i].clear();
    this.top = 0;
  }
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
