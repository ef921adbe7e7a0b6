/**
 * JSON text written as UTF-8 bytes into a reusable buffer, for the protobuf decoder: string fields are
 * copied from the request with JSON escaping, and one `toString` per attribute list makes the string.
 * Measured (bench/decode.js, 512 SDK spans with 16 attributes, 674 B/span): creating a JS string from
 * a Buffer costs ~65 ns and JSON.stringify ~80 ns however short the string, so slicing and quoting
 * every key and value (4 native calls per attribute) decoded 156k spans/s; this writer, ~390k.
 */

const HEX = '0123456789abcdef';
/** Shrink back after an unusually large list so one huge request does not pin memory. */
const KEEP_BYTES = 1 << 20;

export class JsonWriter {
  buf: Buffer;
  pos = 0;
  /** Set when a key repeated somewhere in the text: `take` then rewrites it with last-wins semantics. */
  dup = false;

  constructor(private readonly initial = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  /** Makes room for `n` more bytes. */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  byte(b: number): void {
    if (this.pos === this.buf.length) this.reserve(1);
    this.buf[this.pos++] = b;
  }

  /** An ASCII-only string (numbers, base64, literals). */
  ascii(s: string): void {
    const n = s.length;
    this.reserve(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /**
   * `src[s, e)` (UTF-8) as a JSON string literal with its quotes. Escapes exactly as JSON.stringify
   * does (\" \\ \b \f \n \r \t, other controls as \u00xx) so both decoders produce identical text.
   * Invalid UTF-8 is copied as is and becomes U+FFFD in `take`, as `buf.toString('utf8')` would do.
   */
  quoted(src: Buffer, s: number, e: number): void {
    this.reserve(e - s + 2);
    let buf = this.buf;
    let p = this.pos;
    buf[p++] = 0x22;
    for (let i = s; i < e; i++) {
      const b = src[i];
      if (b >= 0x20 && b !== 0x22 && b !== 0x5c) {
        buf[p++] = b;
        continue;
      }
      this.pos = p;
      this.reserve(6 + e - i);
      buf = this.buf;
      p = this.pos;
      buf[p++] = 0x5c;
      const short = b === 0x22 ? 0x22 : b === 0x5c ? 0x5c : SHORT_ESCAPES[b];
      if (short !== 0) buf[p++] = short;
      else {
        buf[p++] = 0x75; // u00xx
        buf[p++] = 0x30;
        buf[p++] = 0x30;
        buf[p++] = HEX.charCodeAt(b >> 4);
        buf[p++] = HEX.charCodeAt(b & 15);
      }
    }
    buf[p++] = 0x22;
    this.pos = p;
  }

  /** Starts a new text: forgets anything an earlier, failed request left behind. */
  reset(): void {
    this.pos = 0;
    this.dup = false;
  }

  /** The text written since `start` (normalised if a key repeated); rewinds to `start`. */
  take(start = 0): string {
    let text = this.buf.toString('utf8', start, this.pos);
    if (this.dup) {
      text = dedupe(text);
      this.dup = false;
    }
    this.pos = start;
    if (start === 0 && this.buf.length > KEEP_BYTES) this.buf = Buffer.allocUnsafe(this.initial);
    return text;
  }
}

/** For control characters: the letter of the short escape (\b \t \n \f \r), or 0 for \u00xx. */
const SHORT_ESCAPES = new Uint8Array(0x20);
SHORT_ESCAPES[0x08] = 0x62;
SHORT_ESCAPES[0x09] = 0x74;
SHORT_ESCAPES[0x0a] = 0x6e;
SHORT_ESCAPES[0x0c] = 0x66;
SHORT_ESCAPES[0x0d] = 0x72;

/**
 * Rewrites JSON text in which some object repeats a key, keeping what JSON.parse keeps (the last
 * value). Duplicates in the text itself would mislead SQLite's json_extract, which returns the first.
 * Both decoders use this one rule, so their text stays identical; real senders never repeat keys.
 */
export function dedupe(text: string): string {
  return JSON.stringify(JSON.parse(text));
}

/**
 * Keys seen in one object, as byte ranges of the request. Lists are short (~16 keys), so a linear scan
 * over a cheap signature (length and three bytes) beats hashing; bytes are compared only when the
 * signatures match. Measured: a plain byte-compare scan cost 13% of protobuf decode time.
 */
export class KeyRanges {
  private readonly sigs: number[] = [];
  private readonly starts: number[] = [];
  private readonly lens: number[] = [];
  private n = 0;
  /** Members added, repeats included: a comma goes before every member but the first. */
  members = 0;

  reset(): void {
    this.n = 0;
    this.members = 0;
  }

  /** Records `src[s, e)`; true if an equal key was already recorded. */
  add(src: Buffer, s: number, e: number): boolean {
    this.members++;
    const len = e - s;
    const sig = len === 0 ? 0 : (len << 24) ^ (src[s] << 16) ^ (src[s + (len >> 1)] << 8) ^ src[e - 1];
    const sigs = this.sigs;
    for (let i = 0; i < this.n; i++) {
      if (sigs[i] !== sig || this.lens[i] !== len) continue;
      const o = this.starts[i];
      let j = 0;
      while (j < len && src[o + j] === src[s + j]) j++;
      if (j === len) return true;
    }
    sigs[this.n] = sig;
    this.lens[this.n] = len;
    this.starts[this.n++] = s;
    return false;
  }
}

/** A stack of reusable key sets, one per object being built (attribute lists interleave in protobuf). */
export class KeyRangesPool {
  private readonly stack: KeyRanges[] = [];
  private top = 0;

  acquire(): KeyRanges {
    if (this.top === this.stack.length) this.stack.push(new KeyRanges());
    const k = this.stack[this.top++];
    k.reset();
    return k;
  }

  release(): void {
    this.top--;
  }

  /** At the start of every request: an earlier one may have thrown with sets held. */
  reset(): void {
    this.top = 0;
  }
}
