import { isUtf8 } from 'node:buffer';
import { RequestEncoder, SpanHead } from '../codec/encoder.js';
import type { DecodedRequest, EncodedDimension, SpanMeta } from '../codec/types.js';
import { Rejections } from './decoded.js';
import { decideSpan, spanMeta } from './validate.js';

/**
 * OTLP/JSON as real senders write it (the OTel SDKs' serializers, the Collector), straight from the bytes into
 * chunks, without JSON.parse: keys and string values go from the request to the chunk like protobuf's, and each
 * byte is read once. It takes only the common spelling — camelCase keys, lowercase hex IDs, times as digit
 * strings, integer enums, IDs and times before a span's attributes, one case per AnyValue, valid UTF-8 — and
 * gives up (`undefined`) at the first thing it does not take, or at anything wrong, before anything is
 * returned: the general decoder (otlp-json.ts) then decodes the request with every rule and error message. So
 * this is purely a speed-up, and its output is byte for byte the general decoder's (tested on both).
 * Measured on realistic requests (bench/decode.js): JSON.parse alone costs 3.1 µs a span; this whole decode 2.x.
 */
export function decodeJsonFast(buf: Buffer): DecodedRequest | undefined {
  // The general decoder sees invalid UTF-8 as U+FFFD (Buffer#toString): leave such a request to it. Checked once,
  // natively (6 µs for 400 KB), so that strings need no per-byte UTF-8 check.
  if (!isUtf8(buf)) return undefined;
  b = buf;
  p = 0;
  end = buf.length;
  enc.begin(buf);
  out = [];
  try {
    request();
    ws();
    if (p !== end) return undefined;
    return new Rejections().result(out, enc.finish());
  } catch (err) {
    if (err === GIVE_UP) return undefined;
    throw err;
  } finally {
    b = EMPTY;
    out = [];
  }
}

/** Thrown (a plain object: no stack trace to capture) wherever the fast path leaves the request to the general one. */
const GIVE_UP = { giveUp: true };
const EMPTY = Buffer.alloc(0);
const enc = new RequestEncoder();
const head = new SpanHead();
let b: Buffer = EMPTY;
let p = 0;
let end = 0;
let out: SpanMeta[] = [];

function giveUp(): never {
  throw GIVE_UP;
}

// ---- tokens ----

function ws(): void {
  const buf = b;
  let q = p;
  while (q < end) {
    const c = buf[q];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) q++;
    else break;
  }
  p = q;
}

function eat(c: number): void {
  if (p < end && b[p] === c) {
    p++;
    return;
  }
  ws();
  if (p >= end || b[p] !== c) giveUp();
  p++;
}

/** After a member or element: true if another follows, false at `close`. */
function more(close: number): boolean {
  ws();
  const c = b[p++];
  if (c === 0x2c) return true;
  if (c !== close || p > end) giveUp();
  return false;
}

/** At `open`: false (and consumed) if the object or array is empty. */
function opens(open: number, close: number): boolean {
  eat(open);
  ws();
  if (b[p] === close) {
    p++;
    return false;
  }
  return true;
}

// A string token: [strS, strE) without the quotes; strEscaped if it has a backslash escape (checked only).
let strS = 0;
let strE = 0;
let strEscaped = false;

/** Byte classes inside a string: 0 plain (UTF-8 checked for the whole request), 1 quote, 2 backslash, 3 control. */
const CLASS = new Uint8Array(256);
for (let c = 0; c < 0x20; c++) CLASS[c] = 3;
CLASS[0x22] = 1;
CLASS[0x5c] = 2;

// The hot loops below work on locals: the module's `b` and `p` live in a context, and each access is a load/store.
function string(): void {
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
function stringText(): string {
  if (strEscaped) return JSON.parse(b.toString('utf8', strS - 1, strE + 1)) as string;
  return b.toString('utf8', strS, strE);
}

// A number token: [numS, numE); numInt if it is a plain integer (no fraction, no exponent).
let numS = 0;
let numE = 0;
let numInt = true;

function number(): void {
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
function smallInt(s: number, e: number): number {
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

function uint32(): number {
  number();
  if (!numInt || b[numS] === 0x2d) giveUp();
  const n = smallInt(numS, numE);
  if (n > 0xffffffff) giveUp();
  return n;
}

function int32(): number {
  number();
  if (!numInt) giveUp();
  const n = smallInt(numS, numE);
  if (n > 0x7fffffff || n < -0x7fffffff) giveUp();
  return n;
}

function literal(text: string): void {
  ws();
  for (let i = 0; i < text.length; i++) if (b[p + i] !== text.charCodeAt(i)) giveUp();
  p += text.length;
}

/** Steps over any value, checking its syntax (unknown members are ignored, as the general decoder does). */
function skip(depth: number): void {
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
const K = Object.fromEntries(KEYS.map((k, i) => [k, i])) as Record<Key, number>;
/** Keys the general decoder gives a meaning this path does not implement (legacy names, bytes, profiles). */
const OTHERS = ['instrumentationLibrarySpans', 'instrumentationLibrary', 'bytesValue', 'stringValueStrindex'];
const UNKNOWN = -1;
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
function key(): number {
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

/** `"k":` next? Then it is consumed: the members every KeyValue and most AnyValues start with, without a lookup. */
function tryKey(k: Uint8Array): boolean {
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

const KEY = BYTES[K.key];
const VALUE = BYTES[K.value];
const STRING_VALUE = BYTES[K.stringValue];

/**
 * Marks `id` seen in an object; a key sent twice (JSON.parse keeps the last) is left to the general decoder. Ids
 * are taken modulo 32: KEYS has 34, and the two that alias (values, kvlistValue) never share an object with
 * resourceSpans or resource, so at worst a request with a repeated unknown member goes the general way.
 */
function once(seen: number, id: number): number {
  const bit = 1 << (id & 31);
  if ((seen & bit) !== 0) giveUp();
  return seen | bit;
}

// ---- messages ----

function request(): void {
  if (!opens(0x7b, 0x7d)) return;
  let seen = 0;
  do {
    const id = key();
    if (id === K.resourceSpans) {
      seen = once(seen, id);
      if (opens(0x5b, 0x5d)) {
        do resourceSpans();
        while (more(0x5d));
      }
    } else skip(0);
  } while (more(0x7d));
}

function resourceSpans(): void {
  let resource: EncodedDimension | undefined;
  let seen = 0;
  if (opens(0x7b, 0x7d)) {
    do {
      const id = key();
      if (id === K.resource) {
        if (resource !== undefined) giveUp(); // after its spans, or twice
        seen = once(seen, id);
        resource = resourceMessage();
      } else if (id === K.scopeSpans) {
        seen = once(seen, id);
        resource ??= emptyResource();
        if (opens(0x5b, 0x5d)) {
          do scopeSpans(resource);
          while (more(0x5d));
        }
      } else skip(0);
    } while (more(0x7d));
  }
  if (resource === undefined) emptyResource();
}

function emptyResource(): EncodedDimension {
  enc.beginResource();
  enc.attrs(0, true);
  enc.endAttrs();
  return enc.endResource(0);
}

function resourceMessage(): EncodedDimension {
  enc.beginResource();
  let attributes = false;
  let dropped = 0;
  let seen = 0;
  ws();
  if (b[p] === 0x6e) {
    literal('null');
    giveUp();
  }
  if (opens(0x7b, 0x7d)) {
    do {
      const id = key();
      if (id === K.attributes) {
        seen = once(seen, id);
        attributes = true;
        attributeList(true);
      } else if (id === K.droppedAttributesCount) {
        seen = once(seen, id);
        dropped = uint32();
      } else skip(0);
    } while (more(0x7d));
  }
  if (!attributes) {
    enc.attrs(0, true);
    enc.endAttrs();
  }
  return enc.endResource(dropped);
}

function scopeSpans(resource: EncodedDimension): void {
  let scope: EncodedDimension | undefined;
  let seen = 0;
  if (opens(0x7b, 0x7d)) {
    do {
      const id = key();
      if (id === K.scope) {
        if (scope !== undefined) giveUp();
        seen = once(seen, id);
        scope = scopeMessage();
      } else if (id === K.spans) {
        seen = once(seen, id);
        scope ??= scopeOf('', '', -1, 0);
        if (opens(0x5b, 0x5d)) {
          do span(resource, scope);
          while (more(0x5d));
        }
      } else skip(0);
    } while (more(0x7d));
  }
}

function scopeMessage(): EncodedDimension {
  let name = '';
  let version = '';
  let attrsAt = -1;
  let dropped = 0;
  let seen = 0;
  if (opens(0x7b, 0x7d)) {
    do {
      const id = key();
      seen = id === UNKNOWN ? seen : once(seen, id);
      if (id === K.name) (string(), (name = stringText()));
      else if (id === K.version) (string(), (version = stringText()));
      else if (id === K.attributes) {
        // Written after the name and version, wherever it is: come back to it.
        ws();
        attrsAt = p;
        skip(0);
      } else if (id === K.droppedAttributesCount) dropped = uint32();
      else skip(0);
    } while (more(0x7d));
  }
  return scopeOf(name, version, attrsAt, dropped);
}

function scopeOf(name: string, version: string, attrsAt: number, dropped: number): EncodedDimension {
  enc.beginScope(name, version);
  if (attrsAt < 0) {
    enc.attrs(0, false);
    enc.endAttrs();
  } else at(attrsAt, () => attributeList(false));
  return enc.endScope(dropped);
}

/** Runs `f` with the cursor at `q`, then puts it back. */
function at(q: number, f: () => void): void {
  const back = p;
  p = q;
  f();
  p = back;
}

// A span's tail is written in the chunk format's order as its members arrive: attributes, dropped, events,
// dropped, links, dropped. `phase` says how far it is; a count that arrives after its place is left to the
// general decoder unless it is 0.
let phase = 0;
let droppedAttributes = 0;
let droppedEvents = 0;

function span(resource: EncodedDimension, scope: EncodedDimension): void {
  let traceAt = -1;
  let spanId = '';
  let parent = '';
  let startHi = 0, startLo = 0, endHi = 0, endLo = 0; // prettier-ignore
  let chunk = -1;
  let seen = 0;
  let droppedLinks = 0;
  phase = 0;
  droppedAttributes = 0;
  droppedEvents = 0;
  head.spanId = head.parentSpanId = head.name = head.traceState = head.statusMessage = '';
  head.kind = head.flags = head.statusCode = 0;
  head.nameAt = head.nameEnd = -1;
  /** The span's chunk, once its IDs and times are known and valid; every part of the tail needs it. */
  const open = (): void => {
    if (chunk >= 0) return;
    if ((seen & TAIL_NEEDS) !== TAIL_NEEDS) giveUp();
    if (endHi < startHi || (endHi === startHi && endLo < startLo)) giveUp();
    chunk = enc.chunkAtText(traceAt);
    enc.beginSpan(chunk, startHi, startLo);
  };
  if (!opens(0x7b, 0x7d)) giveUp();
  do {
    const id = key();
    if (id !== UNKNOWN) seen = once(seen, id);
    switch (id) {
      case K.traceId: hexId(32, false, false); traceAt = strS; break;
      case K.spanId: spanId = hexId(16); break;
      case K.parentSpanId: parent = hexId(16, true); break;
      case K.startTimeUnixNano: time(); startHi = timeHi; startLo = timeLo; break;
      case K.endTimeUnixNano: time(); endHi = timeHi; endLo = timeLo; break;
      case K.name: string(); head.name = stringText(); if (!strEscaped) { head.nameAt = strS; head.nameEnd = strE; } break;
      case K.traceState: string(); head.traceState = stringText(); break;
      case K.kind: head.kind = int32(); break;
      case K.flags: head.flags = uint32(); break;
      case K.status: status(); break;
      case K.attributes: open(); if (phase !== 0) giveUp(); attributeList(true); phase = 1; break;
      case K.droppedAttributesCount: droppedAttributes = late(uint32(), 1); break;
      case K.events: open(); if (phase > 1) giveUp(); tailTo(1); eventList(); phase = 3; break;
      case K.droppedEventsCount: droppedEvents = late(uint32(), 3); break;
      case K.links: open(); if (phase > 3) giveUp(); tailTo(3); linkList(); phase = 5; break;
      case K.droppedLinksCount: droppedLinks = uint32(); break;
      default: skip(0);
    } // prettier-ignore
  } while (more(0x7d));
  open();
  tailTo(5);
  enc.u32(droppedLinks);
  head.spanId = spanId;
  head.parentSpanId = parent;
  head.endHi = endHi;
  head.endLo = endLo;
  head.resource = resource.hash;
  head.scope = scope.hash;
  decideSpan(enc, head);
  enc.endSpan(head);
  out.push(spanMeta(enc.traceIdOf(chunk), head, big(startHi, startLo), big(endHi, endLo), resource.serviceName, chunk));
}

/** What a span's tail needs first: its chunk (trace ID) and its validity (IDs and times). */
const TAIL_NEEDS = (1 << K.traceId) | (1 << K.spanId) | (1 << K.startTimeUnixNano) | (1 << K.endTimeUnixNano);

/** A dropped count that arrives after its place in the tail was written (as 0) must be 0. */
function late(n: number, wrote: number): number {
  if (phase > wrote && n !== 0) giveUp();
  return n;
}

/** Writes the parts of the tail before `phase` `to` that have not arrived (empty lists and the dropped counts). */
function tailTo(to: number): void {
  if (phase === 0) {
    enc.attrs(0, true);
    enc.endAttrs();
    phase = 1;
  }
  if (to === 1) {
    enc.u32(droppedAttributes);
    phase = 2;
    return;
  }
  if (phase === 1) {
    enc.u32(droppedAttributes);
    phase = 2;
  }
  if (phase === 2) {
    enc.u32(0); // no events
    phase = 3;
  }
  if (phase === 3) {
    enc.u32(droppedEvents);
    phase = 4;
  }
  if (to === 5 && phase === 4) {
    enc.u32(0); // no links
    phase = 5;
  }
}

function big(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * A lowercase-hex ID of exactly `len` digits, not all zero ('' allowed for a parent, an all-zero parent is ''); as a
 * string unless `text` is false (the trace ID: its chunk is found by its bytes).
 */
function hexId(len: number, parent = false, text = true): string {
  string();
  const n = strE - strS;
  if (parent && n === 0) return '';
  if (n !== len || strEscaped) giveUp();
  let zero = true;
  const buf = b;
  for (let i = strS, e = strE; i < e; i++) {
    const c = buf[i];
    if ((c < 0x30 || c > 0x39) && (c < 0x61 || c > 0x66)) giveUp();
    if (c !== 0x30) zero = false;
  }
  if (zero) {
    if (parent) return '';
    giveUp();
  }
  return text ? ascii(strS, len) : '';
}

/** 16 or 32 ASCII bytes as a string: String.fromCharCode with every byte at once is ~3x faster than toString. */
function ascii(s: number, n: number): string {
  const c = b;
  const x = String.fromCharCode(c[s], c[s + 1], c[s + 2], c[s + 3], c[s + 4], c[s + 5], c[s + 6], c[s + 7], c[s + 8], c[s + 9],
    c[s + 10], c[s + 11], c[s + 12], c[s + 13], c[s + 14], c[s + 15]); // prettier-ignore
  return n === 16 ? x : x + ascii(s + 16, 16);
}

// A time: its hi and lo 32 bits.
let timeHi = 0;
let timeLo = 0;
const TWO32 = 4294967296;

/** fixed64 nanoseconds as a string of decimal digits, split into 32-bit halves exactly with doubles. */
function time(): void {
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

function status(): void {
  if (!opens(0x7b, 0x7d)) return;
  let seen = 0;
  do {
    const id = key();
    if (id === K.code) {
      seen = once(seen, id);
      head.statusCode = int32();
    } else if (id === K.message) {
      seen = once(seen, id);
      string();
      head.statusMessage = stringText();
    } else skip(0);
  } while (more(0x7d));
}

function eventList(): void {
  const mark = enc.countOpen();
  let n = 0;
  if (opens(0x5b, 0x5d)) {
    do {
      event();
      n++;
    } while (more(0x5d));
  }
  enc.patchCount(mark, n);
}

/** An event's name and time come first in the chunk, its attributes after: senders write them the other way. */
function event(): void {
  let hi = 0, lo = 0, nameS = 0, nameE = 0, attrsAt = -1, dropped = 0, seen = 0; // prettier-ignore
  let name: string | undefined;
  if (opens(0x7b, 0x7d)) {
    do {
      const id = key();
      if (id !== UNKNOWN) seen = once(seen, id);
      if (id === K.timeUnixNano) (time(), (hi = timeHi), (lo = timeLo));
      else if (id === K.name) {
        string();
        if (strEscaped) name = stringText();
        else [nameS, nameE] = [strS, strE];
      } else if (id === K.attributes) {
        ws();
        attrsAt = p;
        skip(0);
      } else if (id === K.droppedAttributesCount) dropped = uint32();
      else skip(0);
    } while (more(0x7d));
  }
  if (name !== undefined) enc.eventJs(hi, lo, name);
  else enc.eventIn(hi, lo, nameS, nameE);
  if (attrsAt < 0) {
    enc.attrs(0, false);
    enc.endAttrs();
  } else at(attrsAt, () => attributeList(false));
  enc.u32(dropped);
}

function linkList(): void {
  const mark = enc.countOpen();
  let n = 0;
  if (opens(0x5b, 0x5d)) {
    do {
      link();
      n++;
    } while (more(0x5d));
  }
  enc.patchCount(mark, n);
}

function link(): void {
  let traceId = '', spanId = '', traceState = '', attrsAt = -1, dropped = 0, flags = 0, seen = 0; // prettier-ignore
  if (opens(0x7b, 0x7d)) {
    do {
      const id = key();
      if (id !== UNKNOWN) seen = once(seen, id);
      if (id === K.traceId) traceId = hexId(32);
      else if (id === K.spanId) spanId = hexId(16);
      else if (id === K.traceState) (string(), (traceState = stringText()));
      else if (id === K.attributes) {
        ws();
        attrsAt = p;
        skip(0);
      } else if (id === K.droppedAttributesCount) dropped = uint32();
      else if (id === K.flags) flags = uint32();
      else skip(0);
    } while (more(0x7d));
  }
  if (traceId === '' || spanId === '') giveUp();
  enc.linkJs(traceId, spanId, traceState);
  if (attrsAt < 0) {
    enc.attrs(0, false);
    enc.endAttrs();
  } else at(attrsAt, () => attributeList(false));
  enc.u32(dropped);
  enc.u32(flags);
}

// ---- attributes ----

function attributeList(track: boolean): void {
  enc.attrsOpen(track);
  let n = 0;
  if (opens(0x5b, 0x5d)) {
    do {
      keyValue(0);
      n++;
    } while (more(0x5d));
  }
  enc.attrsClose(n);
}

/** {"key": …, "value": …}, in that order. */
function keyValue(depth: number): void {
  if (!opens(0x7b, 0x7d)) giveUp();
  if (!tryKey(KEY) && key() !== K.key) giveUp();
  string();
  if (strEscaped) enc.keyJs(stringText());
  else enc.keyIn(strS, strE);
  let value = false;
  while (more(0x7d)) {
    const id = tryKey(VALUE) ? K.value : key();
    if (id === K.value) {
      if (value) giveUp();
      value = true;
      anyValue(depth);
    } else if (id === K.key) giveUp();
    else skip(0);
  }
  if (!value) enc.vEmpty();
}

/** One case (or none) per AnyValue; several are the general decoder's. */
function anyValue(depth: number): void {
  if (!opens(0x7b, 0x7d)) {
    enc.vEmpty();
    return;
  }
  const id = tryKey(STRING_VALUE) ? K.stringValue : key();
  ws();
  if (b[p] === 0x6e) giveUp(); // null: the case is absent
  switch (id) {
    case K.stringValue:
      string();
      if (strEscaped) enc.vStrJs(stringText());
      else enc.vStrIn(strS, strE);
      break;
    case K.intValue:
      if (b[p] === 0x22) {
        string();
        if (strEscaped) giveUp();
        enc.vIntNum(smallInt(strS, strE));
      } else {
        number();
        if (!numInt) giveUp();
        enc.vIntNum(smallInt(numS, numE));
      }
      break;
    case K.boolValue:
      if (b[p] === 0x74) (literal('true'), enc.vBool(true));
      else (literal('false'), enc.vBool(false));
      break;
    case K.doubleValue:
      number();
      enc.vDouble(Number(b.toString('latin1', numS, numE)));
      break;
    case K.arrayValue:
      if (depth >= 64) giveUp();
      arrayValue(depth + 1);
      break;
    case K.kvlistValue:
      if (depth >= 64) giveUp();
      kvlistValue(depth + 1);
      break;
    default:
      giveUp();
  }
  if (more(0x7d)) giveUp();
}

function arrayValue(depth: number): void {
  const mark = enc.vArrayOpen();
  let n = 0;
  if (opens(0x7b, 0x7d)) {
    if (key() !== K.values) giveUp();
    if (opens(0x5b, 0x5d)) {
      do {
        anyValue(depth);
        n++;
      } while (more(0x5d));
    }
    if (more(0x7d)) giveUp();
  }
  enc.patchCount(mark, n);
}

function kvlistValue(depth: number): void {
  const mark = enc.vKvlistOpen();
  let n = 0;
  if (opens(0x7b, 0x7d)) {
    if (key() !== K.values) giveUp();
    if (opens(0x5b, 0x5d)) {
      do {
        keyValue(depth);
        n++;
      } while (more(0x5d));
    }
    if (more(0x7d)) giveUp();
  }
  enc.vKvlistClose(mark, n);
}
