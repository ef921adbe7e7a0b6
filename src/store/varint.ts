/**
 * Unsigned varints (LEB128, up to 2^53) for the store's small blobs: postings refs, a trace's span IDs and
 * operations. Plain numbers; callers keep values within Number.MAX_SAFE_INTEGER (nanosecond durations of up
 * to 104 days, refs, ids).
 */
export class VarintWriter {
  private buf = Buffer.allocUnsafe(256);
  pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  uint(v: number): void {
    this.room(8);
    let x = v;
    while (x >= 0x80) {
      this.buf[this.pos++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.pos++] = x;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A copy of what was written (the writer can be reused after `reset`). */
  take(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  reset(): void {
    this.pos = 0;
  }
}

export class VarintReader {
  pos = 0;

  constructor(readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  uint(): number {
    let x = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint in a stored blob');
      const b = this.buf[this.pos++];
      x += (b & 0x7f) * scale;
      if (b < 0x80) return x;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new Error('varint too long in a stored blob');
    }
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) throw new Error('truncated bytes in a stored blob');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
