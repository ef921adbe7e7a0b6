import { InvalidInputError } from '../model/errors.js';

/**
 * A cursor over protobuf bytes with every bound checked against the end of the enclosing message.
 * Deliberately minimal: no reflection, no allocation per field. `what` arguments name the field for
 * error messages ("Span.name") and are only read when something is wrong.
 */
export class ProtoReader {
  pos = 0;
  /** High 32 bits of the last varint read (the return value is the low 32 bits). */
  hi = 0;
  /** Where the last tag started, for error messages. */
  tagAt = 0;

  constructor(readonly buf: Buffer) {}

  /** Reads a varint; returns its low 32 bits unsigned and leaves the high 32 bits in `hi`. */
  varint(end: number, what: string): number {
    const p = this.pos;
    if (p < end) {
      const b = this.buf[p];
      if (b < 0x80) {
        this.pos = p + 1;
        this.hi = 0;
        return b;
      }
    }
    return this.varintSlow(end, what);
  }

  private varintSlow(end: number, what: string): number {
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (p >= end) throw truncated(p, what);
      const b = buf[p++] & 0x7f;
      if (i < 4) lo |= b << (7 * i);
      else if (i === 4) {
        lo |= b << 28;
        hi = b >>> 4;
      } else hi |= b << (7 * i - 32);
      if (buf[p - 1] < 0x80) {
        this.pos = p;
        this.hi = hi >>> 0;
        return lo >>> 0;
      }
    }
    throw invalid(`varint longer than 10 bytes at byte ${start}`, what);
  }

  /** A field tag; field number 0 is never valid. */
  tag(end: number, msg: string): number {
    const at = (this.tagAt = this.pos);
    const t = this.varint(end, msg);
    if (t < 8 || this.hi !== 0) throw invalid(`bad field tag ${t} at byte ${at}`, msg);
    return t;
  }

  /** Reads a length prefix; returns the end offset of the delimited bytes, which start at `pos`. */
  lenEnd(end: number, what: string): number {
    const at = this.pos;
    const n = this.varint(end, what);
    const e = this.pos + n;
    if (this.hi !== 0 || e > end) {
      const len = this.hi !== 0 ? this.hi * 4294967296 + n : n;
      throw invalid(`length ${len} at byte ${at} runs past the end of its message (byte ${end})`, what);
    }
    return e;
  }

  string(end: number, what: string): string {
    const e = this.lenEnd(end, what);
    const s = this.buf.toString('utf8', this.pos, e);
    this.pos = e;
    return s;
  }

  /** Length-delimited bytes as lowercase hex (IDs). */
  hex(end: number, what: string): string {
    const e = this.lenEnd(end, what);
    const s = this.buf.toString('hex', this.pos, e);
    this.pos = e;
    return s;
  }

  /** Checks that `n` fixed bytes are available and returns where they start. */
  fixed(n: number, end: number, what: string): number {
    const p = this.pos;
    if (p + n > end) throw truncated(end, what);
    this.pos = p + n;
    return p;
  }

  fixed32(end: number, what: string): number {
    return this.buf.readUInt32LE(this.fixed(4, end, what));
  }

  fixed64(end: number, what: string): bigint {
    return this.buf.readBigUInt64LE(this.fixed(8, end, what));
  }

  double(end: number, what: string): number {
    return this.buf.readDoubleLE(this.fixed(8, end, what));
  }

  /** Skips an unknown field (or a known field with an unexpected wire type). */
  skip(tag: number, end: number, msg: string): void {
    const wire = tag & 7;
    const what = `${msg} field ${tag >>> 3}`;
    switch (wire) {
      case 0:
        this.varint(end, what);
        return;
      case 1:
        this.fixed(8, end, what);
        return;
      case 2:
        this.pos = this.lenEnd(end, what);
        return;
      case 5:
        this.fixed(4, end, what);
        return;
      default:
        // 3/4 are proto2 groups, never used by OTLP; 6/7 do not exist.
        throw invalid(`unsupported wire type ${wire} at byte ${this.tagAt}`, what);
    }
  }
}

function invalid(detail: string, what: string): InvalidInputError {
  return new InvalidInputError(`invalid protobuf: ${detail} (${what})`);
}

function truncated(at: number, what: string): InvalidInputError {
  return invalid(`truncated at byte ${at}`, what);
}

/** A uint32 stored little-endian at `p` (bounds already checked). */
export function u32le(b: Buffer, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/** Where the fields of one kind were found in a message: (start, end) pairs, reused from message to message. */
export class Ranges {
  private a = new Int32Array(64);
  n = 0;

  clear(): void {
    this.n = 0;
  }

  /** Records the length-delimited field at `r.pos` and steps over it. */
  take(r: ProtoReader, end: number, what: string): void {
    const e = r.lenEnd(end, what);
    if (this.n * 2 === this.a.length) {
      const bigger = new Int32Array(this.a.length * 2);
      bigger.set(this.a);
      this.a = bigger;
    }
    this.a[this.n * 2] = r.pos;
    this.a[this.n * 2 + 1] = e;
    this.n++;
    r.pos = e;
  }

  /** Moves `r` to the start of range `i` and returns its end. */
  at(r: ProtoReader, i: number): number {
    r.pos = this.a[i * 2];
    return this.a[i * 2 + 1];
  }
}
