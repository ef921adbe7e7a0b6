/**
 * The tokenizer of the OTLP/JSON fast path (json-fast.ts): JSON tokens read from the request's bytes, member keys
 * matched against the OTLP/JSON names without making strings, IDs and times checked and converted. Anything it does
 * not take, or anything wrong, throws GIVE_UP: the general decoder (otlp-json.ts) then has the request.
 */

/** Thrown (a plain object: no stack trace to capture) wherever the fast path leaves the request to the general one. */
export const GIVE_UP = { giveUp: true };
const EMPTY = Buffer.alloc(0);
export let b: Buffer = EMPTY;
export let p = 0;
let end = 0;

export function giveUp(): never {
  throw GIVE_UP;
}

export function startTokens(buf: Buffer): void {
  b = buf;
  p = 0;
  end = buf.length;
}

/** Forgets the request (so it is not kept alive until the next one). */
export function endTokens(): void {
  b = EMPTY;
  p = end = 0;
}

export function seek(q: number): void {
  p = q;
}

/** Nothing but whitespace left? */
export function atEnd(): boolean {
  ws();
  return p === end;
}


export function ws(): void {
  const buf = b;
  let q = p;
  while (q < end) {
    const c = buf[q];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) q++;
    else break;
  }
  p = q;
}

export function eat(c: number): void {
  if (p < end && b[p] === c) {
    p++;
    return;
  }
  ws();
  if (p >= end || b[p] !== c) giveUp();
  p++;
}

/** After a member or element: true if another follows, false at `close`. */
export function more(close: number): boolean {
  ws();
  const c = b[p++];
  if (c === 0x2c) return true;
  if (c !== close || p > end) giveUp();
  return false;
}

/** At `open`: false (and consumed) if the object or array is empty. */
export function opens(open: number, close: number): boolean {
  eat(open);
  ws();
  if (b[p] === close) {
    p++;
    return false;
  }
  return true;
}

// A string token: [strS, strE) without the quotes; strEscaped if it has a backslash escape (checked only).
export let strS = 0;
export let strE = 0;
export let strEscaped = false;

/** Byte classes inside a string: 0 plain (UTF-8 checked for the whole request), 1 quote, 2 backslash, 3 control. */
const CLASS = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) CLASS[c] = 3;
CLASS[0x22] = 1;
CLASS[0x5c] = 2;

// The hot loops below work on locals: the module's `b` and `p` live in a context, and each access is a load/store.
export function string(): void {
  eat(0x22);
  const buf = b;
  const n = end;
  const s = p;
  let q = s;
  let escaped = false;
  for (;;) {
    while (q < n && CLASS[buf[q]] === 0) q++;
    if (q >= n) giveUp();
    const k = CLASS[buf[q]];
    if (k === 1) break;
    if (k !== 2) giveUp();
    escaped = true;
    const e = q + 1 < n ? buf[q + 1] : 0;
    if (e === 0x75) {
      if (q + 6 > n) giveUp();
      for (let i = 2; i < 6; i++) if (!isHex(buf[q + i])) giveUp();
      q += 6;
    } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) q += 2;
    else giveUp();
  }
  strS = s;
  strE = q;
  strEscaped = escaped;
  p = q + 1;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/** The string token as a JS string. */
export function stringText(): string {
  if (strEscaped) return JSON.parse(b.toString('utf8', strS - 1, strE + 1)) as string;
  return b.toString('utf8', strS, strE);
}

// A number token: [numS, numE); numInt if it is a plain integer (no fraction, no exponent).
export let numS = 0;
export let numE = 0;
export let numInt = true;

export function number(): void {
  ws();
  const s = p;
  if (b[p] === 0x2d) p++;
  if (b[p] === 0x30) p++;
  else if (b[p] >= 0x31 && b[p] <= 0x39) while (b[p] >= 0x30 && b[p] <= 0x39) p++;
  else giveUp();
  let int = true;
  if (b[p] === 0x2e) {
    int = false;
    p++;
    if (!(b[p] >= 0x30 && b[p] <= 0x39)) giveUp();
    while (b[p] >= 0x30 && b[p] <= 0x39) p++;
  }
  if (b[p] === 0x65 || b[p] === 0x45) {
    int = false;
    p++;
    if (b[p] === 0x2b || b[p] === 0x2d) p++;
    if (!(b[p] >= 0x30 && b[p] <= 0x39)) giveUp();
    while (b[p] >= 0x30 && b[p] <= 0x39) p++;
  }
  if (p > end) giveUp();
  numS = s;
  numE = p;
  numInt = int;
}

/** A plain integer within ±(2^53−1) (exact as a double), as a number. */
export function smallInt(s: number, e: number): number {
  const buf = b;
  let i = s;
  const neg = buf[i] === 0x2d;
  if (neg) i++;
  if (e - i > 16 || e === i) giveUp();
  let n = 0;
  for (; i < e; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) giveUp();
    n = n * 10 + d;
  }
  // Below 2^53 every step was exact; above it the general decoder keeps the exact value.
  if (n > Number.MAX_SAFE_INTEGER) giveUp();
  return neg ? -n : n;
}

export function uint32(): number {
  number();
  if (!numInt || b[numS] === 0x2d) giveUp();
  const n = smallInt(numS, numE);
  if (n > 0xffffffff) giveUp();
  return n;
}

export function int32(): number {
  number();
  if (!numInt) giveUp();
  const n = smallInt(numS, numE);
  if (n > 0x7fffffff || n < -0x7fffffff) giveUp();
  return n;
}

export function literal(text: string): void {
  ws();
  for (let i = 0; i < text.length; i++) if (b[p + i] !== text.charCodeAt(i)) giveUp();
  p += text.length;
}

/** Steps over any value, checking its syntax (unknown members are ignored, as the general decoder does). */
export function skip(depth: number): void {
  if (depth > 512) giveUp();
  ws();
  const c = b[p];
  if (c === 0x22) string();
  else if (c === 0x7b) {
    if (opens(0x7b, 0x7d)) {
      do {
        string();
        eat(0x3a);
        skip(depth + 1);
      } while (more(0x7d));
    }
  } else if (c === 0x5b) {
    if (opens(0x5b, 0x5d)) {
      do skip(depth + 1);
      while (more(0x5d));
    }
  } else if (c === 0x74) literal('true');
  else if (c === 0x66) literal('false');
  else if (c === 0x6e) literal('null');
  else number();
}

// ---- member keys ----

const KEYS = [
  'resourceSpans', 'resource', 'scopeSpans', 'attributes', 'droppedAttributesCount', 'scope', 'spans', 'name', 'version',
  'traceId', 'spanId', 'parentSpanId', 'traceState', 'kind', 'startTimeUnixNano', 'endTimeUnixNano', 'events',
  'droppedEventsCount', 'links', 'droppedLinksCount', 'status', 'flags', 'code', 'message', 'timeUnixNano', 'key', 'value',
  'stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'values',
] as const;
type Key = (typeof KEYS)[number];
export const K = Object.fromEntries(KEYS.map((k, i) => [k, i])) as Record<Key, number>;
/** Keys the general decoder gives a meaning this path does not implement (legacy names, bytes, profiles). */
const OTHERS = ['instrumentationLibrarySpans', 'instrumentationLibrary', 'bytesValue', 'stringValueStrindex'];
export const UNKNOWN = -1;
const BYTES = [...KEYS, ...OTHERS].map((k) => Buffer.from(k));
/** Open addressing on a cheap hash of a key (its length and three of its bytes): index in BYTES + 1, 0 = empty. */
const SLOTS = new Uint8Array(512);
BYTES.forEach((k, i) => {
  let j = keySlot(k, 0, k.length);
  while (SLOTS[j] !== 0) j = (j + 1) & 511;
  SLOTS[j] = i + 1;
});

function keySlot(buf: Uint8Array, s: number, e: number): number {
  const n = e - s;
  return n === 0 ? 0 : (n * 31 + buf[s] * 7 + buf[e - 1] * 13 + buf[s + (n >> 1)]) & 511;
}

/** A member's key (then its colon): a KEYS index, or UNKNOWN; gives up on keys meant for the general decoder. */
export function key(): number {
  string();
  eat(0x3a);
  if (strEscaped) giveUp();
  const buf = b;
  const s = strS;
  const n = strE - s;
  for (let j = keySlot(buf, s, strE); SLOTS[j] !== 0; j = (j + 1) & 511) {
    const i = SLOTS[j] - 1;
    const k = BYTES[i];
    if (k.length !== n) continue;
    let m = 0;
    while (m < n && k[m] === buf[s + m]) m++;
    if (m === n) return i < KEYS.length ? i : giveUp();
  }
  // snake_case spellings are aliases the general decoder knows.
  for (let j = s; j < s + n; j++) if (buf[j] === 0x5f) giveUp();
  return UNKNOWN;
}

/**
 * The next member's key, guessed first: senders write an object's members in one order, so the key that followed
 * `prev` last time (learned per message, `start` codes the first member) is tried as bytes before any lookup.
 */
export function nextKey(prev: number, start: number): number {
  const at = prev === FIRST ? start : prev + START_CODES + 1; // UNKNOWN (-1) has a slot of its own
  const guess = NEXT[at];
  if (guess >= 0 && tryKey(BYTES[guess])) return guess;
  const id = key();
  NEXT[at] = id;
  return id;
}

/** First-member codes for nextKey, one per message (after the KEYS indexes in NEXT). */
export const START = { request: 0, resourceSpans: 1, resource: 2, scopeSpans: 3, scope: 4, span: 5, status: 6, event: 7, link: 8 };
const START_CODES = 9;
const NEXT = new Int8Array(START_CODES + 1 + KEYS.length).fill(-1);
/** `prev` for the first member of an object. */
export const FIRST = -2;

/** `"k":` next? Then it is consumed: the members every KeyValue and most AnyValues start with, without a lookup. */
export function tryKey(k: Uint8Array): boolean {
  ws();
  const buf = b;
  const q = p;
  const n = k.length;
  if (q + n + 2 > end || buf[q] !== 0x22 || buf[q + n + 1] !== 0x22) return false;
  for (let i = 0; i < n; i++) if (buf[q + 1 + i] !== k[i]) return false;
  p = q + n + 2;
  eat(0x3a);
  return true;
}

export const KEY = BYTES[K.key];
export const VALUE = BYTES[K.value];
export const STRING_VALUE = BYTES[K.stringValue];

/**
 * Marks `id` seen in an object; a key sent twice (JSON.parse keeps the last) is left to the general decoder. Ids
 * are taken modulo 32: KEYS has 34, and the two that alias (values, kvlistValue) never share an object with
 * resourceSpans or resource, so at worst a request with a repeated unknown member goes the general way.
 */
export function once(seen: number, id: number): number {
  const bit = 1 << (id & 31);
  if ((seen & bit) !== 0) giveUp();
  return seen | bit;
}

/** A lowercase-hex ID of exactly `len` digits, not all zero ('' allowed for a parent, an all-zero parent is ''). */
export function hexId(len: number, parent = false): string {
  string();
  const n = strE - strS;
  if (parent && n === 0) return '';
  if (n !== len || strEscaped) giveUp();
  if (!validId(strS, len)) {
    if (parent && zeros(strS, len)) return '';
    giveUp();
  }
  return ascii(strS, len);
}

/** `len` lowercase hex digits at `s`, not all zero. */
export function validId(s: number, len: number): boolean {
  let zero = true;
  const buf = b;
  for (let i = s, e = s + len; i < e; i++) {
    const c = buf[i];
    if ((c < 0x30 || c > 0x39) && (c < 0x61 || c > 0x66)) return false;
    if (c !== 0x30) zero = false;
  }
  return !zero;
}

function zeros(s: number, len: number): boolean {
  for (let i = s; i < s + len; i++) if (b[i] !== 0x30) return false;
  return true;
}

/** Where a 32-digit trace ID's string token is; checked by the caller once per trace (validId), not per span. */
export function traceIdAt(): number {
  string();
  if (strE - strS !== 32 || strEscaped) giveUp();
  return strS;
}

/** 16 or 32 ASCII bytes as a string: String.fromCharCode with every byte at once is ~3x faster than toString. */
export function ascii(s: number, n: number): string {
  const c = b;
  const x = String.fromCharCode(c[s], c[s + 1], c[s + 2], c[s + 3], c[s + 4], c[s + 5], c[s + 6], c[s + 7], c[s + 8], c[s + 9],
    c[s + 10], c[s + 11], c[s + 12], c[s + 13], c[s + 14], c[s + 15]); // prettier-ignore
  return n === 16 ? x : x + ascii(s + 16, 16);
}

// A time: its hi and lo 32 bits.
export let timeHi = 0;
export let timeLo = 0;
const TWO32 = 4294967296;

/** fixed64 nanoseconds as a string of decimal digits, split into 32-bit halves exactly with doubles. */
export function time(): void {
  string();
  const s = strS;
  const e = strE;
  const n = e - s;
  if (n === 0 || n > 20 || strEscaped) giveUp();
  if (n <= 15) {
    const v = smallInt(s, e);
    timeHi = Math.floor(v / TWO32);
    timeLo = v % TWO32;
    return;
  }
  // t = a·10^9 + c with a < 10^11 (< 2^37), c < 10^9; a·10^9 = ah·10^9·2^16 + al·10^9, every term below 2^53.
  const a = smallInt(s, e - 9);
  const c = smallInt(e - 9, e);
  const ah = Math.floor(a / 65536);
  const al = a % 65536;
  const x = ah * 1e9;
  const y = al * 1e9 + c + (x % 65536) * 65536;
  timeLo = y % TWO32;
  timeHi = Math.floor(x / 65536) + Math.floor(y / TWO32);
  if (timeHi >= TWO32) giveUp();
}
