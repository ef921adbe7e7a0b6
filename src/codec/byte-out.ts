import { V_ARRAY, V_BYTES, V_DOUBLE, V_EMPTY, V_FALSE, V_INT, V_TRUE } from './format.js';
import { lenU32, putHex, putU32, putU64Big, putU64Num } from './varint.js';

const TWO32 = 4294967296;

/**
 * The byte side of the encoder: a growable output and the fixed-size parts of the format (varints, zigzag, times
 * as differences of uint64 halves, the values that need no string, counts filled in later). RequestEncoder adds
 * strings, attribute lists, spans and dimensions on top.
 */
export class ByteOut {
  protected out = Buffer.allocUnsafe(1 << 16);
  protected pos = 0;

  protected ensure(n: number): void {
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

  protected u64Num(n: number): void {
    this.ensure(10);
    this.pos = putU64Num(this.out, this.pos, n);
  }

  protected u64Big(v: bigint): void {
    this.ensure(11);
    this.pos = putU64Big(this.out, this.pos, v);
  }

  /** Varint of (a − b) ≥ 0 for two uint64 given as hi/lo halves. */
  protected u64Diff(hiA: number, loA: number, hiB: number, loB: number): void {
    const dh = hiA - hiB;
    if (dh >= 0 && dh < 0x80000) this.u64Num(dh * TWO32 + (loA - loB));
    else this.u64Big(big(hiA, loA) - big(hiB, loB));
  }

  /** Zigzag varint of (a − b) for two uint64 given as hi/lo halves (the difference may need 65 bits). */
  protected zz64Diff(hiA: number, loA: number, hiB: number, loB: number): void {
    const dh = hiA - hiB;
    if (dh > -0x80000 && dh < 0x80000) {
      const d = dh * TWO32 + (loA - loB);
      this.u64Num(d >= 0 ? d * 2 : -d * 2 - 1);
    } else {
      const d = big(hiA, loA) - big(hiB, loB);
      this.u64Big(d >= 0n ? d << 1n : ((-d) << 1n) - 1n);
    }
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
    this.moved(at, extra);
  }

  protected type(t: number): void {
    this.ensure(1);
    this.out[this.pos++] = t;
  }

  vEmpty(): void {
    this.type(V_EMPTY);
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

  /** `n` bytes of `inp` at `at`. */
  protected copyIn(inp: Buffer, at: number, n: number): void {
    this.ensure(n);
    const b = this.out;
    const p = this.pos;
    for (let i = 0; i < n; i++) b[p + i] = inp[at + i];
    this.pos = p + n;
  }

  /** varint length + the bytes of `hex`. */
  protected hex(hex: string): void {
    if (hex.length % 2 !== 0) throw new TypeError(`not hex: ${JSON.stringify(hex)}`);
    this.u32(hex.length >> 1);
    this.fixedHex(hex);
  }

  protected fixedHex(hex: string): void {
    this.ensure(hex.length >> 1);
    if (!putHex(this.out, this.pos, hex)) throw new TypeError(`not hex: ${JSON.stringify(hex)}`);
    this.pos += hex.length >> 1;
  }

  /** Called when patchCount moved the bytes after `at` by `extra`. */
  protected moved(_at: number, _extra: number): void {}
}

function big(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}
