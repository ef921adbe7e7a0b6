import { createHash } from 'node:crypto';
import { assembleChunks, Chunk, putLiterals } from './assemble.js';
import { scalarAt } from './encoded-values.js';
import { BIT_ERROR, DIM_RESOURCE, DIM_SCOPE, DIMENSION_VERSION } from './format.js';
import { Table, WK_SERVICE_NAME } from './literals.js';
import { ListOut } from './list-out.js';
import type { EncodedChunk, EncodedDimension } from './types.js';
import { hexOf, lenU32, zz32 } from './varint.js';

const EMPTY = Buffer.alloc(0);

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
export class RequestEncoder extends ListOut {
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

  /**
   * Starts a request; `input` holds the bytes `…In` calls point into (protobuf), if any. String and bytes values
   * longer than `maxValueBytes` (0 = no limit) are cut, and marked (format.ts TRUNCATED_KEY).
   */
  begin(input: Buffer = EMPTY, maxValueBytes = 0): void {
    this.restart(input, maxValueBytes);
    this.chunks = [];
    this.chunkByTrace.clear();
    this.traceTable = new Table(0, false);
    this.dims = [];
    this.dimByHash.clear();
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

  get chunkCount(): number {
    return this.chunks.length;
  }

  traceIdOf(chunk: number): string {
    return this.chunks[chunk].traceId;
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


  private rawIn(s: number, e: number): void {
    this.u32(e - s);
    this.ensure(e - s);
    this.input.copy(this.out, this.pos, s, e);
    this.pos += e - s;
  }



  /** Writes the span's head after its tail and files it under its chunk. */
  endSpan(h: SpanHead): void {
    const c = this.spanChunk;
    if (c === null) {
      this.pos = this.spanStart;
      return;
    }
    const tailEnd = this.pos;
    if (h.spanIdAt >= 0) this.copyIn(this.input, h.spanIdAt, 8);
    else {
      if (h.spanId.length !== 16) throw new TypeError(`span ID must be 16 hex digits: ${JSON.stringify(h.spanId)}`);
      this.fixedHex(h.spanId);
    }
    if (h.parentSpanId === '') this.type(0);
    else {
      this.type(8);
      if (h.parentAt >= 0) this.copyIn(this.input, h.parentAt, 8);
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
    let p = putLiterals(data, 2, t, this.pool);
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

  // ---- the end ----

  /** The chunks (views into one buffer) and the dimensions of everything since `begin`. */
  finish(): { chunks: EncodedChunk[]; dimensions: EncodedDimension[] } {
    const chunks = assembleChunks(this.chunks, this.pool, this.out);
    // Only the dimensions some chunk references (a resource whose spans were all rejected is not stored).
    const used = new Set<string>();
    for (const c of this.chunks) for (const h of c.dims) used.add(h);
    // Nothing of the request is needed any more: do not keep it alive until the next one.
    this.input = EMPTY;
    this.pool.src0 = EMPTY;
    return { chunks, dimensions: this.dims.filter((d) => used.has(d.hash)) };
  }
}
