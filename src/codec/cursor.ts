import type { AttrValue, Attributes } from '../model/span.js';
import { doubleValue } from './encoded-values.js';
import {
  MAX_VALUE_DEPTH, V_ARRAY, V_BYTES, V_DOUBLE, V_EMPTY, V_FALSE, V_INT, V_KVLIST, V_STRING, V_TRUE,
} from './format.js';
import { STATIC_COUNT, STATIC_STRINGS_V1 } from './static-strings.js';
import type { TypedKeyValue, TypedValue } from './types.js';
import { hexOf } from './varint.js';

/**
 * Reading chunks and dimensions from storage: every length, count and index is checked against the bytes that
 * are left, so corrupt or truncated data ends in a ChunkFormatError naming the byte, never in an endless loop
 * or a huge allocation (a count larger than the bytes left is refused before anything is read).
 */
export class ChunkFormatError extends Error {
  override name = 'ChunkFormatError';
}

const TWO32 = 4294967296;

export class Cursor {
  readonly b: Buffer;
  p: number;
  end: number;
  /** Literal offsets and lengths (str index i + 1 ↔ entry i), and their decoded text, filled on first use. */
  private litOff: Int32Array = new Int32Array(0);
  private litLen: Int32Array = new Int32Array(0);
  private litText: (string | undefined)[] = [];

  constructor(
    data: Uint8Array,
    readonly what: string,
  ) {
    this.b = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.p = 0;
    this.end = this.b.length;
  }

  fail(detail: string, at = this.p): never {
    throw new ChunkFormatError(`corrupt ${this.what}: ${detail} at byte ${at}`);
  }

  u8(): number {
    if (this.p >= this.end) this.fail('truncated');
    return this.b[this.p++];
  }

  /** A varint below 2^32. */
  u32(): number {
    const b = this.b;
    const start = this.p;
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      if (this.p >= this.end) this.fail('truncated', start);
      const x = b[this.p++];
      n += (x & 0x7f) * mul;
      if (x < 0x80) {
        if (n >= TWO32) this.fail('varint beyond 32 bits', start);
        return n;
      }
      mul *= 128;
    }
    return this.fail('varint beyond 32 bits', start);
  }

  /** A count of things that take at least `each` bytes each: never more than the bytes left allow. */
  count(each = 1): number {
    const at = this.p;
    const n = this.u32();
    if (n * each > this.end - this.p) this.fail(`count ${n} larger than the ${this.end - this.p} bytes left`, at);
    return n;
  }

  /** An unsigned varint64: a number when below 2^53, else a bigint. */
  u64(): number | bigint {
    const b = this.b;
    const start = this.p;
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      if (this.p >= this.end) this.fail('truncated', start);
      const x = b[this.p++];
      n += (x & 0x7f) * mul;
      if (x < 0x80) return n;
      mul *= 128;
    }
    this.p = start;
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (shift > 63n) this.fail('varint longer than 10 bytes', start);
      if (this.p >= this.end) this.fail('truncated', start);
      const x = b[this.p++];
      v |= BigInt(x & 0x7f) << shift;
      if (x < 0x80) return v;
    }
  }

  /** A zigzag varint64 as a bigint. */
  zz64(): bigint {
    const z = this.u64();
    if (typeof z === 'number') return BigInt(z % 2 === 0 ? z / 2 : -(z + 1) / 2);
    return (z & 1n) === 0n ? z >> 1n : -((z + 1n) >> 1n);
  }

  /** A zigzag varint64 int as the read model has it: a number within ±(2^53−1), else its decimal string. */
  int(): number | string {
    const z = this.u64();
    if (typeof z === 'number') return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    const v = (z & 1n) === 0n ? z >> 1n : -((z + 1n) >> 1n);
    return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  }

  /** A zigzag varint32 (kind, status code). */
  zz32(): number {
    const z = this.u32();
    return (z >>> 1) ^ -(z & 1);
  }

  f64(): number {
    if (this.p + 8 > this.end) this.fail('truncated');
    const x = this.b.readDoubleLE(this.p);
    this.p += 8;
    return x;
  }

  /** `n` bytes: returns where they start. */
  take(n: number): number {
    if (n > this.end - this.p) this.fail(`${n} bytes past the end`);
    const s = this.p;
    this.p += n;
    return s;
  }

  hex(n: number): string {
    const s = this.take(n);
    return hexOf(this.b, s, s + n);
  }

  /** varint length + bytes, as hex (link IDs). */
  lenHex(): string {
    return this.hex(this.u32());
  }

  // ---- literals ----

  /** Reads the literal table at the cursor. */
  literals(): void {
    const n = this.count();
    this.litOff = new Int32Array(n);
    this.litLen = new Int32Array(n);
    this.litText = new Array<string | undefined>(n);
    for (let i = 0; i < n; i++) {
      const len = this.u32();
      this.litOff[i] = this.take(len);
      this.litLen[i] = len;
    }
  }

  get literalCount(): number {
    return this.litOff.length;
  }

  literalBytes(i: number): Buffer {
    return this.b.subarray(this.litOff[i], this.litOff[i] + this.litLen[i]);
  }

  /** `str`: a static string (below STATIC_COUNT; 0 is '') or a literal of the table. */
  str(): string {
    const at = this.p;
    const i = this.u32();
    if (i < STATIC_COUNT) return STATIC_STRINGS_V1[i];
    return this.text(i - STATIC_COUNT, at);
  }

  /** A `str` index, checked. */
  strIndex(): number {
    const at = this.p;
    const i = this.u32();
    if (i >= STATIC_COUNT + this.litOff.length) this.fail(`string ${i} of ${STATIC_COUNT} + ${this.litOff.length}`, at);
    return i;
  }

  /** Literal `i` of the table (str index STATIC_COUNT + i). */
  text(i: number, at = this.p): string {
    if (i >= this.litOff.length) this.fail(`string ${i + STATIC_COUNT} of ${STATIC_COUNT} + ${this.litOff.length}`, at);
    let s = this.litText[i];
    if (s === undefined) {
      const o = this.litOff[i];
      s = this.litText[i] = this.b.toString('utf8', o, o + this.litLen[i]);
    }
    return s;
  }

  // ---- values ----

  private type(): number {
    const at = this.p;
    const t = this.u8();
    if (t > V_KVLIST) this.fail(`unknown value type ${t}`, at);
    return t;
  }

  private deeper(depth: number): number {
    if (depth >= MAX_VALUE_DEPTH) this.fail(`values nested deeper than ${MAX_VALUE_DEPTH} levels`);
    return depth + 1;
  }

  /** `attrs` in the read model (model/span.ts Attributes). */
  attributes(depth = 0): Attributes {
    const n = this.count(2);
    const o: Attributes = {};
    for (let i = 0; i < n; i++) {
      const k = this.str();
      const v = this.value(depth);
      if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
      else o[k] = v;
    }
    return o;
  }

  value(depth: number): AttrValue {
    switch (this.type()) {
      case V_EMPTY: return null;
      case V_STRING: return this.str();
      case V_FALSE: return false;
      case V_TRUE: return true;
      case V_INT: return this.int();
      case V_DOUBLE: return doubleValue(this.f64());
      case V_BYTES: {
        const s = this.take(this.u32());
        return this.b.toString('base64', s, this.p);
      }
      case V_ARRAY: {
        const d = this.deeper(depth);
        const n = this.count();
        const a: AttrValue[] = [];
        for (let i = 0; i < n; i++) a.push(this.value(d));
        return a;
      }
      default:
        return this.attributes(this.deeper(depth));
    } // prettier-ignore
  }

  /** `attrs` with their OTLP types. */
  typedAttributes(depth = 0): TypedKeyValue[] {
    const n = this.count(2);
    const out: TypedKeyValue[] = [];
    for (let i = 0; i < n; i++) {
      const key = this.str();
      out.push({ key, value: this.typedValue(depth) });
    }
    return out;
  }

  typedValue(depth: number): TypedValue {
    switch (this.type()) {
      case V_EMPTY: return {};
      case V_STRING: return { stringValue: this.str() };
      case V_FALSE: return { boolValue: false };
      case V_TRUE: return { boolValue: true };
      case V_INT: return { intValue: this.zz64() };
      case V_DOUBLE: return { doubleValue: this.f64() };
      case V_BYTES: {
        const s = this.take(this.u32());
        return { bytesValue: new Uint8Array(this.b.subarray(s, this.p)) };
      }
      case V_ARRAY: {
        const d = this.deeper(depth);
        const n = this.count();
        const values: TypedValue[] = [];
        for (let i = 0; i < n; i++) values.push(this.typedValue(d));
        return { arrayValue: { values } };
      }
      default:
        return { kvlistValue: { values: this.typedAttributes(this.deeper(depth)) } };
    } // prettier-ignore
  }

  /** Steps over `attrs`; for each key index `want(k)` accepts, calls `found(k, text)` with a scalar's text. */
  scanAttributes(want: (k: number) => boolean, found: (k: number, text: string) => void): void {
    const n = this.count(2);
    for (let i = 0; i < n; i++) {
      const k = this.strIndex();
      if (want(k)) {
        const t = this.scalarText();
        if (t !== undefined) found(k, t);
      } else this.skipValue(0);
    }
  }

  /** A scalar value in the text form of the attribute search; undefined (value skipped) for the others. */
  private scalarText(): string | undefined {
    const at = this.p;
    switch (this.type()) {
      case V_STRING: return this.str();
      case V_FALSE: return 'false';
      case V_TRUE: return 'true';
      case V_INT: return String(this.zz64());
      case V_DOUBLE: return String(doubleValue(this.f64()));
      case V_BYTES: {
        const s = this.take(this.u32());
        return this.b.toString('base64', s, this.p);
      }
      default:
        this.p = at;
        this.skipValue(0);
        return undefined;
    } // prettier-ignore
  }

  skipValue(depth: number): void {
    switch (this.type()) {
      case V_STRING: this.strIndex(); return;
      case V_INT: this.u64(); return;
      case V_DOUBLE: this.take(8); return;
      case V_BYTES: this.take(this.u32()); return;
      case V_ARRAY: {
        const d = this.deeper(depth);
        const n = this.count();
        for (let i = 0; i < n; i++) this.skipValue(d);
        return;
      }
      case V_KVLIST: {
        const d = this.deeper(depth);
        const n = this.count(2);
        for (let i = 0; i < n; i++) {
          this.strIndex();
          this.skipValue(d);
        }
        return;
      }
      default:
    } // prettier-ignore
  }

  /** Fails unless the cursor is exactly at the end of what it reads. */
  done(what: string): void {
    if (this.p !== this.end) this.fail(`${this.end - this.p} bytes left over after ${what}`);
  }
}
