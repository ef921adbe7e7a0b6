import { CHUNK_VERSION } from './format.js';
import type { LiteralPool } from './literals.js';
import { Table } from './literals.js';
import type { EncodedChunk } from './types.js';
import { lenU32, lenU64Big, lenU64Num, putHex, putU32, putU64Big, putU64Num } from './varint.js';

/**
 * Putting chunks together once a request is encoded: every size is known by then, so each chunk is written once
 * into one buffer of the exact size (format.ts `chunk`): header, literals, dimension hashes, base start, then
 * each span as its length, the head before the start delta, the delta (from the chunk's earliest start), the rest
 * of the head, and the tail the encoder wrote first.
 */

const TWO32 = 4294967296;
/** Per span in `Chunk.spans`: tail start, tail end (= head start), where startDelta goes, head end, start hi/lo. */
export const SPAN_FIELDS = 6;

/** A trace's chunk while its request is encoded: its literal table, its dimensions, where its spans are. */
export class Chunk {
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

/** A table's literals (varint count, then each as varint length + bytes) into `b` at `p`; returns the end. */
export function putLiterals(b: Buffer, p: number, t: Table, pool: LiteralPool): number {
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

export function assembleChunks(list: readonly Chunk[], pool: LiteralPool, out: Buffer): EncodedChunk[] {
  // Sizes first (and each span's start delta, the one part of a span written only now).
  const deltas: Array<number | bigint> = [];
  const sizes: number[] = [];
  let total = 0;
  for (const c of list) {
    const t = c.table;
    let size = 1 + lenU32(t.lits.length) + lenU32(c.dims.length) + 8 * c.dims.length + 8 + lenU32(c.spans.length / SPAN_FIELDS);
    for (const e of t.lits) size += lenU32(pool.lenOf(e)) + pool.lenOf(e);
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
  const buf = Buffer.allocUnsafeSlow(total);
  const chunks: EncodedChunk[] = [];
  let p = 0;
  let k = 0;
  list.forEach((c, ci) => {
    const start = p;
    buf[p++] = CHUNK_VERSION;
    p = putLiterals(buf, p, c.table, pool);
    p = putU32(buf, p, c.dims.length);
    for (const h of c.dims) {
      putHex(buf, p, h);
      p += 8;
    }
    buf.writeUInt32LE(c.minLo, p);
    buf.writeUInt32LE(c.minHi, p + 4);
    p += 8;
    p = putU32(buf, p, c.spans.length / SPAN_FIELDS);
    for (let i = 0; i < c.spans.length; i += SPAN_FIELDS) {
      const d = deltas[k++];
      const tailS = c.spans[i];
      const tailE = c.spans[i + 1];
      const split = c.spans[i + 2];
      const headE = c.spans[i + 3];
      p = putU32(buf, p, headE - tailS + (typeof d === 'number' ? lenU64Num(d) : lenU64Big(d)));
      p = copy(out, tailE, split, buf, p);
      p = typeof d === 'number' ? putU64Num(buf, p, d) : putU64Big(buf, p, d);
      p = copy(out, split, headE, buf, p);
      p = copy(out, tailS, tailE, buf, p);
    }
    if (p - start !== sizes[ci]) throw new Error(`chunk size ${p - start}, expected ${sizes[ci]}`);
    chunks.push({ traceId: c.traceId, data: buf.subarray(start, p), spanCount: c.spans.length / SPAN_FIELDS });
  });
  return chunks;
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
