import type { AttrValue } from '../model/span.js';
import { V_ARRAY, V_BYTES, V_DOUBLE, V_INT, V_KVLIST, V_STRING, V_FALSE, V_TRUE } from './format.js';

/**
 * Walking values the encoder has just written (trusted bytes: no bounds checks; the readers in read-*.ts check
 * everything). Used to answer ingest's few per-span questions and to rewrite a list with a repeated key.
 */

export function readU32(b: Uint8Array, c: { p: number }): number {
  let n = 0;
  let mul = 1;
  for (;;) {
    const x = b[c.p++];
    n += (x & 0x7f) * mul;
    if (x < 0x80) return n;
    mul *= 128;
  }
}

function skipVarint(b: Uint8Array, p: number): number {
  while (b[p++] >= 0x80);
  return p;
}

/** Where the value at `p` ends. */
export function skipValue(b: Uint8Array, p: number): number {
  const t = b[p++];
  switch (t) {
    case V_STRING:
    case V_INT:
      return skipVarint(b, p);
    case V_DOUBLE:
      return p + 8;
    case V_BYTES: {
      const c = { p };
      const n = readU32(b, c);
      return c.p + n;
    }
    case V_ARRAY: {
      const c = { p };
      const n = readU32(b, c);
      p = c.p;
      for (let i = 0; i < n; i++) p = skipValue(b, p);
      return p;
    }
    case V_KVLIST: {
      const c = { p };
      const n = readU32(b, c);
      p = c.p;
      for (let i = 0; i < n; i++) p = skipValue(b, skipVarint(b, p));
      return p;
    }
    default:
      return p;
  }
}

/** A zigzag varint64 as a number when within ±(2^53−1), else as its decimal string (the read model's int). */
export function zigzagIntAt(b: Uint8Array, p: number): number | string {
  let z = 0;
  let mul = 1;
  for (let i = 0; i < 7; i++) {
    const x = b[p++];
    z += (x & 0x7f) * mul;
    if (x < 0x80) return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    mul *= 128;
  }
  return intText(zigzagBigAt(b, p - 7));
}

export function zigzagBigAt(b: Uint8Array, p: number): bigint {
  let z = 0n;
  let shift = 0n;
  for (;;) {
    const x = b[p++];
    z |= BigInt(x & 0x7f) << shift;
    if (x < 0x80) break;
    shift += 7n;
  }
  return (z & 1n) === 0n ? z >> 1n : -((z + 1n) >> 1n);
}

export function intText(v: bigint): number | string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v.toString();
}

/** A double in the read model: NaN and ±Infinity (which JSON cannot hold) as strings, -0 as 0. */
export function doubleValue(x: number): number | string {
  if (x === x && x !== Infinity && x !== -Infinity) return x === 0 ? 0 : x;
  return x !== x ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

/** The scalar at `p` in the read model's form; undefined for empty values, arrays and kvlists. */
export function scalarAt(b: Uint8Array, p: number, text: (index: number) => string): AttrValue | undefined {
  const t = b[p++];
  switch (t) {
    case V_STRING: {
      const c = { p };
      const i = readU32(b, c);
      return i === 0 ? '' : text(i);
    }
    case V_FALSE:
      return false;
    case V_TRUE:
      return true;
    case V_INT:
      return zigzagIntAt(b, p);
    case V_DOUBLE:
      return doubleValue(Buffer.from(b.buffer, b.byteOffset, b.byteLength).readDoubleLE(p));
    case V_BYTES: {
      const c = { p };
      const n = readU32(b, c);
      return Buffer.from(b.buffer, b.byteOffset + c.p, n).toString('base64');
    }
    default:
      return undefined;
  }
}

/**
 * A list (format.ts `attrs`) without repeated keys: the first position, the last value, in nested kvlists too.
 * Rare (real senders never repeat a key), so plain and allocating.
 */
export function dedupedList(b: Buffer): Buffer {
  const out: number[] = [];
  copyList(b, { p: 0 }, out);
  return Buffer.from(out);
}

function putVarint(out: number[], n: number): void {
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

function copyList(b: Buffer, c: { p: number }, out: number[]): void {
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
  putVarint(out, order.length);
  for (const k of order) {
    putVarint(out, k);
    copyValue(b, at[last.get(k)!], out);
  }
}

function copyValue(b: Buffer, p: number, out: number[]): void {
  const t = b[p];
  if (t === V_KVLIST) {
    out.push(t);
    copyList(b, { p: p + 1 }, out);
  } else if (t === V_ARRAY) {
    const c = { p: p + 1 };
    const n = readU32(b, c);
    out.push(t);
    putVarint(out, n);
    for (let i = 0; i < n; i++) {
      copyValue(b, c.p, out);
      c.p = skipValue(b, c.p);
    }
  } else {
    const e = skipValue(b, p);
    for (let i = p; i < e; i++) out.push(b[i]);
  }
}
