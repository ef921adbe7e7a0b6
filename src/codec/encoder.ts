import { createHash } from 'node:crypto';
import type { AttrValue } from '../model/span.js';
import {
  BIT_ERROR, CHUNK_VERSION, DIM_RESOURCE, DIM_SCOPE, DIMENSION_VERSION, V_ARRAY, V_BYTES, V_DOUBLE, V_EMPTY, V_FALSE,
  V_INT, V_KVLIST, V_STRING, V_TRUE,
} from './format.js';
import { LiteralPool, STATIC_WK, Table, WELL_KNOWN_KEYS, WK_INDEX, WK_SERVICE_NAME } from './literals.js';
import { STATIC_COUNT, STATIC_STRINGS_V1 } from './static-strings.js';
import { readU32, scalarAt, skipValue } from './encoded-values.js';
import type { EncodedChunk, EncodedDimension } from './types.js';
import { hexOf, lenU32, lenU64Big, lenU64Num, putHex, putU32, putU64Big, putU64Num, zz32 } from './varint.js';

const TWO32 = 4294967296;
const EMPTY = Buffer.alloc(0);
/** Per span in `Chunk.spans`: tail start, tail end (= head start), where startDelta goes, head end, start hi/lo. */
const SPAN_FIELDS = 6;

class Chunk {
  readonly table: Table;
  /** Dimension hashes; a span's resourceDim/scopeDim is an index into this. */
  readonly dims: string[] = [];
  readonly spans: number[] = [];
  minHi = 0xffffffff;
  minLo = 0xffffffff;
  constructor(
    readonly traceId: string,
    tableId: number,
  ) {
    this.table = new Table(tableId);
  }
}

/** The fields of a span written after its tail (src/codec/format.ts, `span`); reused, never allocated per span. */
export class SpanHead {
  spanId = '';
  parentSpanId = '';
  /** Where the 8 bytes of spanId / parentSpanId are in the request, when they are there (else -1: from the hex). */
  spanIdAt = -1;
  parentAt = -1;
  /** The name's bytes in the request, when it is there (else -1: from `name`). */
  nameAt = -1;
  nameEnd = -1;
  flags = 0;
  kind = 0;
  endHi = 0;
  endLo = 0;
  error = false;
  name = '';
  traceState = '';
  statusCode = 0;
  statusMessage = '';
  /** Dimension hashes. */
  resource = '';
  scope = '';
  callee = '';
  address = '';
}

/**
 * Encodes the spans of one request (or of any set of spans) into chunks, one per trace, and their dimensions.
 * Synchronous and reusable: `begin` starts over, `finish` returns the bytes. Writers call, per span:
 *
 *   beginSpan(chunk, start)
 *     attrs(n, true), n × (key, value), endAttrs(), u32(dropped)
 *     u32(events), per event: event(time, name), attrs(n), n × (key, value), endAttrs(), u32(dropped)
 *     u32(droppedEvents)
 *     u32(links), per link: link(traceId, spanId, traceState), attrs(n), …, endAttrs(), u32(dropped), u32(flags)
 *     u32(droppedLinks)
 *   endSpan(head)
 *
 * and per dimension beginResource() / beginScope(name, version), attrs(n, …), endAttrs(), endResource(dropped) /
 * endScope(dropped). A value is one of the v* calls; vArray(n) is followed by n values, vKvlist(n) by n (key,
 * value) pairs and endKvlist(). Keys and string values come as bytes of the request (`…In(start, end)`) or as JS
 * strings (`…Js`). A key repeated in a list keeps its first position and its last value, as JSON.parse would.
 */
export class RequestEncoder {
  private input: Buffer = EMPTY;
  private out = Buffer.allocUnsafe(1 << 16);
  private pos = 0;
  /** UTF-8 of literals that arrived as JS strings (source 1 of the pool). */
  private strs = Buffer.allocUnsafe(1 << 16);
  private spos = 0;
  private readonly pool = new LiteralPool();
  private nextTable = 1;
  private cur: Table = new Table(0);
  private chunks: Chunk[] = [];
  private chunkByTrace = new Map<string, number>();
  /** Trace IDs by their bytes in the request (chunkAt); an entry's literal index is its chunk's index. */
  private traceTable = new Table(0, false);
  private dims: EncodedDimension[] = [];
  private dimByHash = new Map<string, EncodedDimension>();

  // the span being written
  private spanChunk: Chunk | null = null;
  private spanStart = 0;
  private startHi = 0;
  private startLo = 0;

  // the attribute list being written
  private gen = 0;
  private emptyKeyGen = 0;
  private dup = false;
  private kvDepth = 0;
  private readonly keysAt: number[][] = [];
  private tracking = false;
  private listStart = 0;
  /** The last tracked list (span or resource attributes), for `attr`. */
  private trackStart = 0;
  private trackEnd = 0;
  private readonly wkPos = new Int32Array(WELL_KNOWN_KEYS.length);

  /** Starts a request; `input` holds the bytes `…In` calls point into (protobuf), if any. */
  begin(input: Buffer = EMPTY): void {
    this.input = input;
    this.pool.reset();
    this.pool.src0 = input;
    this.pool.src1 = this.strs;
    this.pos = 0;
    this.spos = 0;
    this.nextTable = 1;
    this.chunks = [];
    this.chunkByTrace.clear();
    this.traceTable = new Table(0, false);
    this.dims = [];
    this.dimByHash.clear();
    this.gen = 0;
    this.emptyKeyGen = 0;
    this.kvDepth = 0;
    this.saved.length = 0;
    if (this.out.length > 1 << 24) this.out = Buffer.allocUnsafe(1 << 16);
    if (this.strs.length > 1 << 24) this.pool.src1 = this.strs = Buffer.allocUnsafe(1 << 16);
  }

  /** The chunk index of a trace (32 lowercase hex digits), created on first use. */
  chunkFor(traceId: string): number {
    let c = this.chunkByTrace.get(traceId);
    if (c === undefined) {
      c = this.chunks.length;
      this.chunks.push(new Chunk(traceId, this.nextTable++));
      this.chunkByTrace.set(traceId, c);
    }
    return c;
  }

  /**
   * The chunk index of the trace whose 16 ID bytes are at `at` in the request, created on first use; faster than
   * chunkFor (no string per span). A request uses one of the two.
   */
  chunkAt(at: number): number {
    const before = this.pool.n;
    const e = this.pool.intern(this.traceTable, 0, this.input, at, 16);
    if (this.pool.n !== before) this.chunks.push(new Chunk(hexOf(this.input, at, at + 16), this.nextTable++));
    return this.pool.lit[e];
  }

  /** Same, for a trace ID written as its 32 lowercase hex digits at `at` (OTLP/JSON). */
  chunkAtText(at: number): number {
    const before = this.pool.n;
    const e = this.pool.intern(this.traceTable, 0, this.input, at, 32);
    if (this.pool.n !== before) this.chunks.push(new Chunk(this.input.toString('latin1', at, at + 32), this.nextTable++));
    return this.pool.lit[e];
  }

  traceIdOf(chunk: number): string {
    return this.chunks[chunk].traceId;
  }

  // ---- output primitives ----

  private ensure(n: number): void {
    if (this.pos + n <= this.out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.pos + n));
    this.out.copy(bigger, 0, 0, this.pos);
    this.out = bigger;
  }

  u32(n: number): void {
    this.ensure(5);
    const b = this.out;
    let p = this.pos;
    while (n > 0x7f) {
      b[p++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    b[p++] = n;
    this.pos = p;
  }

  private u64Num(n: number): void {
    this.ensure(10);
    this.pos = putU64Num(this.out, this.pos, n);
  }

  private u64Big(v: bigint): void {
    this.ensure(11);
    this.pos = putU64Big(this.out, this.pos, v);
  }

  /** Varint of (a − b) ≥ 0 for two uint64 given as hi/lo halves. */
  private u64Diff(hiA: number, loA: number, hiB: number, loB: number): void {
    const dh = hiA - hiB;
    if (dh >= 0 && dh < 0x80000) this.u64Num(dh * TWO32 + (loA - loB));
    else this.u64Big(big(hiA, loA) - big(hiB, loB));
  }

  /** Zigzag varint of (a − b) for two uint64 given as hi/lo halves (the difference may need 65 bits). */
  private zz64Diff(hiA: number, loA: number, hiB: number, loB: number): void {
    const dh = hiA - hiB;
    if (dh > -0x80000 && dh < 0x80000) {
      const d = dh * TWO32 + (loA - loB);
      this.u64Num(d >= 0 ? d * 2 : -d * 2 - 1);
    } else {
      const d = big(hiA, loA) - big(hiB, loB);
      this.u64Big(d >= 0n ? d << 1n : ((-d) << 1n) - 1n);
    }
  }

  // ---- strings ----

  /** The pool entry of a JS string (non-empty) in the current table. */
  private internJs(s: string): number {
    const n = s.length;
    if (this.spos + n * 3 > this.strs.length) this.growStrs(n * 3);
    const b = this.strs;
    const p = this.spos;
    let len = n;
    if (n <= 64) {
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          len = b.write(s, p, 'utf8');
          break;
        }
        b[p + i] = c;
      }
    } else len = b.write(s, p, 'utf8');
    const before = this.pool.n;
    const e = this.pool.intern(this.cur, 1, b, p, len);
    if (this.pool.n !== before) this.spos = p + len;
    return e;
  }

  private growStrs(n: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.strs.length * 2, this.spos + n));
    this.strs.copy(bigger, 0, 0, this.spos);
    this.pool.src1 = this.strs = bigger;
  }

  private internIn(s: number, e: number): number {
    return this.pool.intern(this.cur, 0, this.input, s, e - s);
  }

  /** `str`: a string from the request's bytes. */
  strIn(s: number, e: number): void {
    this.u32(s === e ? 0 : this.pool.lit[this.internIn(s, e)]);
  }

  strJs(x: string): void {
    this.u32(x === '' ? 0 : this.pool.lit[this.internJs(x)]);
  }

  // ---- attribute lists ----

  /** Starts a list of `count` (key, value) pairs; `track` notes the well-known keys' values for `attr`. */
  attrs(count: number, track: boolean): void {
    this.gen++;
    this.dup = false;
    this.kvDepth = 0;
    this.tracking = track;
    this.listStart = this.pos;
    if (track) this.wkPos.fill(-1);
    this.u32(count);
  }

  /** Like attrs, for writers that learn the count at the end (attrsClose); one pass over JSON. */
  attrsOpen(track: boolean): void {
    this.attrs(0, track);
  }

  attrsClose(count: number): void {
    this.patchCount(this.listStart, count);
    this.endAttrs();
  }

  /** A count written later: returns where (patchCount fills it in). */
  countOpen(): number {
    const at = this.pos;
    this.u32(0);
    return at;
  }

  /** Fills in a count at `at` (from countOpen); beyond 127 the bytes after it move, and so do the noted positions. */
  patchCount(at: number, n: number): void {
    if (n < 0x80) {
      this.out[at] = n;
      return;
    }
    const extra = lenU32(n) - 1;
    this.ensure(extra);
    this.out.copyWithin(at + 1 + extra, at + 1, this.pos);
    this.pos += extra;
    putU32(this.out, at, n);
    for (let i = 0; i < this.wkPos.length; i++) if (this.wkPos[i] > at) this.wkPos[i] += extra;
  }

  endAttrs(): void {
    if (this.dup) this.rewriteList();
    if (this.tracking) {
      this.trackStart = this.listStart;
      this.trackEnd = this.pos;
    }
  }

  keyIn(s: number, e: number): void {
    this.key(s === e ? -1 : this.internIn(s, e));
  }

  keyJs(k: string): void {
    this.key(k === '' ? -1 : this.internJs(k));
  }

  private key(e: number): void {
    this.u32(e < 0 ? 0 : this.pool.lit[e]);
    if (this.kvDepth === 0) {
      if (e < 0) {
        if (this.emptyKeyGen === this.gen) this.dup = true;
        else this.emptyKeyGen = this.gen;
      } else {
        if (this.pool.seen[e] === this.gen) this.dup = true;
        else this.pool.seen[e] = this.gen;
        if (this.tracking) {
          const wk = this.pool.wk[e];
          if (wk >= 0) this.wkPos[wk] = this.pos;
        }
      }
    } else {
      const keys = this.keysAt[this.kvDepth];
      if (keys.includes(e)) this.dup = true;
      else keys.push(e);
    }
  }

  // ---- values ----

  private type(t: number): void {
    this.ensure(1);
    this.out[this.pos++] = t;
  }

  vEmpty(): void {
    this.type(V_EMPTY);
  }

  vStrIn(s: number, e: number): void {
    this.type(V_STRING);
    this.strIn(s, e);
  }

  vStrJs(x: string): void {
    this.type(V_STRING);
    this.strJs(x);
  }

  vBool(b: boolean): void {
    this.type(b ? V_TRUE : V_FALSE);
  }

  /** An int64 given as the two uint32 halves of its two's complement (a protobuf varint as read). */
  vInt(lo: number, hi: number): void {
    this.type(V_INT);
    // zigzag on 64 bits: (n << 1) ^ (n >> 63)
    const sign = hi >> 31;
    let zlo = ((lo << 1) ^ sign) >>> 0;
    let zhi = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0;
    this.ensure(10);
    const b = this.out;
    let p = this.pos;
    while (zhi !== 0 || zlo > 0x7f) {
      b[p++] = (zlo & 0x7f) | 0x80;
      zlo = ((zlo >>> 7) | (zhi << 25)) >>> 0;
      zhi >>>= 7;
    }
    b[p++] = zlo;
    this.pos = p;
  }

  /** A safe integer. */
  vIntNum(n: number): void {
    // The zigzag of ±2^53 needs 55 bits: beyond 2^51 a double would round it.
    if (n >= 0x8000000000000 || n <= -0x8000000000000) return this.vIntBig(BigInt(n));
    this.type(V_INT);
    if (n >= 0) this.u64Num(n * 2);
    else this.u64Num(-n * 2 - 1);
  }

  vIntBig(v: bigint): void {
    this.type(V_INT);
    this.u64Big(v >= 0n ? v << 1n : ((-v) << 1n) - 1n);
  }

  vDouble(x: number): void {
    this.type(V_DOUBLE);
    this.ensure(8);
    this.out.writeDoubleLE(x, this.pos);
    this.pos += 8;
  }

  /** A double as its 8 little-endian bytes in the request (every NaN payload kept). */
  vDoubleIn(at: number): void {
    this.type(V_DOUBLE);
    this.ensure(8);
    const b = this.out;
    const inp = this.input;
    const p = this.pos;
    for (let i = 0; i < 8; i++) b[p + i] = inp[at + i];
    this.pos = p + 8;
  }

  vBytesIn(s: number, e: number): void {
    this.vBytes(this.input, s, e);
  }

  vBytes(src: Uint8Array, s: number, e: number): void {
    this.type(V_BYTES);
    this.u32(e - s);
    this.ensure(e - s);
    this.out.set(src.subarray(s, e), this.pos);
    this.pos += e - s;
  }

  vArray(count: number): void {
    this.type(V_ARRAY);
    this.u32(count);
  }

  /** vArray with its count filled in by patchCount(mark, n) once the values are written. */
  vArrayOpen(): number {
    this.type(V_ARRAY);
    return this.countOpen();
  }

  /** vKvlist with its count filled in by vKvlistClose(mark, n). */
  vKvlistOpen(): number {
    this.vKvlist(0);
    return this.pos - 1;
  }

  vKvlistClose(mark: number, count: number): void {
    this.patchCount(mark, count);
    this.endKvlist();
  }

  vKvlist(count: number): void {
    this.type(V_KVLIST);
    this.u32(count);
    const d = ++this.kvDepth;
    while (this.keysAt.length <= d) this.keysAt.push([]);
    this.keysAt[d].length = 0;
  }

  endKvlist(): void {
    this.kvDepth--;
  }

  /** Rewrites the list just written without repeated keys (first position, last value), at any depth. */
  private rewriteList(): void {
    const start = this.listStart;
    const src = Buffer.from(this.out.subarray(start, this.pos));
    this.pos = start;
    this.copyList(src, { p: 0 });
    if (!this.tracking) return;
    this.wkPos.fill(-1);
    const b = this.out;
    const c = { p: start };
    const n = readU32(b, c);
    for (let i = 0; i < n; i++) {
      const k = readU32(b, c);
      const wk = k < STATIC_COUNT ? STATIC_WK[k] : this.pool.wk[this.cur.lits[k - STATIC_COUNT]];
      if (wk >= 0) this.wkPos[wk] = c.p;
      c.p = skipValue(b, c.p);
    }
  }

  private copyList(b: Buffer, c: { p: number }): void {
    const n = readU32(b, c);
    const keys: number[] = [];
    const at: number[] = [];
    for (let i = 0; i < n; i++) {
      keys.push(readU32(b, c));
      at.push(c.p);
      c.p = skipValue(b, c.p);
    }
    const last = new Map<number, number>();
    const order: number[] = [];
    keys.forEach((k, i) => {
      if (!last.has(k)) order.push(k);
      last.set(k, i);
    });
    this.u32(order.length);
    for (const k of order) {
      this.u32(k);
      this.copyValue(b, at[last.get(k)!]);
    }
  }

  private copyValue(b: Buffer, p: number): void {
    const t = b[p];
    if (t === V_KVLIST) {
      this.type(t);
      this.copyList(b, { p: p + 1 });
    } else if (t === V_ARRAY) {
      const c = { p: p + 1 };
      const n = readU32(b, c);
      this.type(t);
      this.u32(n);
      for (let i = 0; i < n; i++) {
        this.copyValue(b, c.p);
        c.p = skipValue(b, c.p);
      }
    } else {
      const e = skipValue(b, p);
      this.ensure(e - p);
      this.pos += b.copy(this.out, this.pos, p, e);
    }
  }

  private readonly saved: Table[] = [];

  /**
   * From here to discardEnd, values are written to be checked and thrown away (a oneof case a later one
   * overrides, a rejected span's fields): nothing reaches a chunk, not even their literals.
   */
  discardBegin(): number {
    this.saved.push(this.cur);
    this.cur = new Table(this.nextTable++);
    return this.pos;
  }

  discardEnd(mark: number): void {
    this.pos = mark;
    this.cur = this.saved.pop()!;
  }

  // ---- reading back what was just written (ingest's decisions) ----

  /**
   * The value of a top-level key of the last tracked list (the span's or resource's attributes) in the read
   * model's scalar form (model/span.ts AttrValue: ints beyond ±(2^53−1) as decimal strings, bytes as base64, NaN
   * and ±Infinity as strings); undefined when absent, empty, an array or a kvlist.
   */
  attr(key: string): AttrValue | undefined {
    const wk = WK_INDEX.get(key);
    if (wk !== undefined) {
      const p = this.wkPos[wk];
      return p < 0 ? undefined : scalarAt(this.out, p, this.literalText);
    }
    return this.scan(key);
  }

  /** The text of a `str` index of the current table. */
  private readonly literalText = (index: number): string =>
    index < STATIC_COUNT ? STATIC_STRINGS_V1[index] : this.pool.text(this.cur.lits[index - STATIC_COUNT]);

  private scan(key: string): AttrValue | undefined {
    if (key === '') return undefined;
    const b = this.out;
    const cursor = { p: this.trackStart };
    const n = readU32(b, cursor);
    let found = -1;
    for (let i = 0; i < n; i++) {
      const k = readU32(b, cursor);
      if (k !== 0 && this.literalText(k) === key) found = cursor.p;
      cursor.p = skipValue(b, cursor.p);
    }
    return found < 0 ? undefined : scalarAt(b, found, this.literalText);
  }

  // ---- spans ----

  /** Starts a span of `chunk` (from chunkFor), or of no chunk (-1): a rejected span whose fields are still checked. */
  beginSpan(chunk: number, startHi: number, startLo: number): void {
    const c = chunk < 0 ? null : this.chunks[chunk];
    this.spanChunk = c;
    this.cur = c === null ? new Table(this.nextTable++) : c.table;
    this.spanStart = this.pos;
    this.startHi = startHi;
    this.startLo = startLo;
  }

  /** An event's time (zigzag delta from the span's start) and name. */
  eventIn(timeHi: number, timeLo: number, nameS: number, nameE: number): void {
    this.zz64Diff(timeHi, timeLo, this.startHi, this.startLo);
    this.strIn(nameS, nameE);
  }

  eventJs(timeHi: number, timeLo: number, name: string): void {
    this.zz64Diff(timeHi, timeLo, this.startHi, this.startLo);
    this.strJs(name);
  }

  /** A link's IDs (whatever bytes were sent) and trace state. */
  linkIn(traceS: number, traceE: number, spanS: number, spanE: number, stateS: number, stateE: number): void {
    this.rawIn(traceS, traceE);
    this.rawIn(spanS, spanE);
    this.strIn(stateS, stateE);
  }

  /** Same, IDs as (even-length) hex. */
  linkJs(traceId: string, spanId: string, traceState: string): void {
    this.hex(traceId);
    this.hex(spanId);
    this.strJs(traceState);
  }

  private copyIn(at: number, n: number): void {
    this.ensure(n);
    const b = this.out;
    const inp = this.input;
    const p = this.pos;
    for (let i = 0; i < n; i++) b[p + i] = inp[at + i];
    this.pos = p + n;
  }

  private rawIn(s: number, e: number): void {
    this.u32(e - s);
    this.ensure(e - s);
    this.input.copy(this.out, this.pos, s, e);
    this.pos += e - s;
  }

  /** varint length + the bytes of `hex`. */
  private hex(hex: string): void {
    if (hex.length % 2 !== 0) throw new TypeError(`not hex: ${JSON.stringify(hex)}`);
    this.u32(hex.length >> 1);
    this.fixedHex(hex);
  }

  private fixedHex(hex: string): void {
    this.ensure(hex.length >> 1);
    if (!putHex(this.out, this.pos, hex)) throw new TypeError(`not hex: ${JSON.stringify(hex)}`);
    this.pos += hex.length >> 1;
  }

  /** Writes the span's head after its tail and files it under its chunk. */
  endSpan(h: SpanHead): void {
    const c = this.spanChunk;
    if (c === null) {
      this.pos = this.spanStart;
      return;
    }
    const tailEnd = this.pos;
    if (h.spanIdAt >= 0) this.copyIn(h.spanIdAt, 8);
    else {
      if (h.spanId.length !== 16) throw new TypeError(`span ID must be 16 hex digits: ${JSON.stringify(h.spanId)}`);
      this.fixedHex(h.spanId);
    }
    if (h.parentSpanId === '') this.type(0);
    else {
      this.type(8);
      if (h.parentAt >= 0) this.copyIn(h.parentAt, 8);
      else {
        if (h.parentSpanId.length !== 16) throw new TypeError(`parent span ID must be 16 hex digits: ${JSON.stringify(h.parentSpanId)}`);
        this.fixedHex(h.parentSpanId);
      }
    }
    this.u32(h.flags >>> 0);
    this.u32(zz32(h.kind));
    const split = this.pos;
    this.u64Diff(h.endHi, h.endLo, this.startHi, this.startLo);
    this.u32(h.error ? BIT_ERROR : 0);
    if (h.nameAt >= 0) this.strIn(h.nameAt, h.nameEnd);
    else this.strJs(h.name);
    this.strJs(h.traceState);
    this.u32(zz32(h.statusCode));
    this.strJs(h.statusMessage);
    this.u32(this.dimIndex(c, h.resource));
    this.u32(this.dimIndex(c, h.scope));
    this.strJs(h.callee);
    this.strJs(h.address);
    c.spans.push(this.spanStart, tailEnd, split, this.pos, this.startHi, this.startLo);
    if (this.startHi < c.minHi || (this.startHi === c.minHi && this.startLo < c.minLo)) {
      c.minHi = this.startHi;
      c.minLo = this.startLo;
    }
  }

  // ---- dimensions ----

  private dimIndex(c: Chunk, hash: string): number {
    const dims = c.dims;
    for (let i = 0; i < dims.length; i++) if (dims[i] === hash) return i;
    if (!this.dimByHash.has(hash) && !/^[0-9a-f]{16}$/.test(hash)) {
      throw new TypeError(`dimension hash must be 16 hex digits: ${JSON.stringify(hash)}`);
    }
    return dims.push(hash) - 1;
  }

  private dimStart = 0;

  beginResource(): void {
    this.cur = new Table(this.nextTable++);
    this.dimStart = this.pos;
    this.wkPos.fill(-1);
  }

  /** After the resource's attributes, written with `attrs(n, true)`. */
  endResource(dropped: number): EncodedDimension {
    const at = this.wkPos[WK_SERVICE_NAME];
    const name = at < 0 ? undefined : scalarAt(this.out, at, this.literalText);
    this.u32(dropped);
    return this.endDimension(DIM_RESOURCE, typeof name === 'string' ? name : 'unknown_service');
  }

  beginScope(name: string, version: string): void {
    this.cur = new Table(this.nextTable++);
    this.dimStart = this.pos;
    this.strJs(name);
    this.strJs(version);
  }

  endScope(dropped: number): EncodedDimension {
    this.u32(dropped);
    return this.endDimension(DIM_SCOPE, '');
  }

  private endDimension(kind: number, serviceName: string): EncodedDimension {
    const t = this.cur;
    let size = 2 + lenU32(t.lits.length) + (this.pos - this.dimStart);
    for (const e of t.lits) size += lenU32(this.pool.lenOf(e)) + this.pool.lenOf(e);
    const data = Buffer.allocUnsafeSlow(size);
    data[0] = DIMENSION_VERSION;
    data[1] = kind;
    let p = this.putLiterals(data, 2, t);
    p += this.out.copy(data, p, this.dimStart, this.pos);
    this.pos = this.dimStart;
    const hash = createHash('sha256').update(data).digest('hex').slice(0, 16);
    let dim = this.dimByHash.get(hash);
    if (dim === undefined) {
      dim = { hash, kind: kind === DIM_RESOURCE ? 'resource' : 'scope', data, serviceName };
      this.dimByHash.set(hash, dim);
      this.dims.push(dim);
    }
    return dim;
  }

  private putLiterals(b: Buffer, p: number, t: Table): number {
    const pool = this.pool;
    p = putU32(b, p, t.lits.length);
    for (const e of t.lits) {
      const len = pool.lenOf(e);
      p = putU32(b, p, len);
      const src = pool.bytesOf(e);
      const o = pool.offOf(e);
      if (len < 32) for (let i = 0; i < len; i++) b[p + i] = src[o + i];
      else src.copy(b, p, o, o + len);
      p += len;
    }
    return p;
  }

  // ---- the end ----

  /** The chunks (views into one buffer) and the dimensions of everything since `begin`. */
  finish(): { chunks: EncodedChunk[]; dimensions: EncodedDimension[] } {
    const pool = this.pool;
    const deltas: Array<number | bigint> = [];
    let total = 0;
    const sizes: number[] = [];
    for (const c of this.chunks) {
      const t = c.table;
      let size = 1 + lenU32(t.lits.length) + lenU32(c.dims.length) + 8 * c.dims.length + 8;
      for (const e of t.lits) size += lenU32(pool.lenOf(e)) + pool.lenOf(e);
      const n = c.spans.length / SPAN_FIELDS;
      size += lenU32(n);
      for (let i = 0; i < c.spans.length; i += SPAN_FIELDS) {
        const dh = c.spans[i + 4] - c.minHi;
        const d = dh < 0x80000 ? dh * TWO32 + (c.spans[i + 5] - c.minLo) : big(c.spans[i + 4], c.spans[i + 5]) - big(c.minHi, c.minLo);
        deltas.push(d);
        const len = c.spans[i + 3] - c.spans[i] + (typeof d === 'number' ? lenU64Num(d) : lenU64Big(d));
        size += lenU32(len) + len;
      }
      sizes.push(size);
      total += size;
    }
    const all = Buffer.allocUnsafeSlow(total);
    const out = this.out;
    const chunks: EncodedChunk[] = [];
    let p = 0;
    let k = 0;
    for (let ci = 0; ci < this.chunks.length; ci++) {
      const c = this.chunks[ci];
      const start = p;
      all[p++] = CHUNK_VERSION;
      p = this.putLiterals(all, p, c.table);
      p = putU32(all, p, c.dims.length);
      for (const h of c.dims) {
        putHex(all, p, h);
        p += 8;
      }
      all.writeUInt32LE(c.minLo, p);
      all.writeUInt32LE(c.minHi, p + 4);
      p += 8;
      p = putU32(all, p, c.spans.length / SPAN_FIELDS);
      for (let i = 0; i < c.spans.length; i += SPAN_FIELDS) {
        const d = deltas[k++];
        const [tailS, tailE, split, headE] = [c.spans[i], c.spans[i + 1], c.spans[i + 2], c.spans[i + 3]];
        const dLen = typeof d === 'number' ? lenU64Num(d) : lenU64Big(d);
        p = putU32(all, p, headE - tailS + dLen);
        p = copy(out, tailE, split, all, p);
        p = typeof d === 'number' ? putU64Num(all, p, d) : putU64Big(all, p, d);
        p = copy(out, split, headE, all, p);
        p = copy(out, tailS, tailE, all, p);
      }
      if (p - start !== sizes[ci]) throw new Error(`chunk size ${p - start}, expected ${sizes[ci]}`);
      chunks.push({ traceId: c.traceId, data: all.subarray(start, p), spanCount: c.spans.length / SPAN_FIELDS });
    }
    // Only the dimensions some chunk references (a resource whose spans were all rejected is not stored).
    const used = new Set<string>();
    for (const c of this.chunks) for (const h of c.dims) used.add(h);
    // Nothing of the request is needed any more: do not keep it alive until the next one.
    this.input = EMPTY;
    this.pool.src0 = EMPTY;
    return { chunks, dimensions: this.dims.filter((d) => used.has(d.hash)) };
  }
}


function copy(src: Buffer, s: number, e: number, dst: Buffer, p: number): number {
  const n = e - s;
  if (n < 48) for (let i = 0; i < n; i++) dst[p + i] = src[s + i];
  else src.copy(dst, p, s, e);
  return p + n;
}

function big(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}
