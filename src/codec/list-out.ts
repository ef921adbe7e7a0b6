import type { AttrValue } from '../model/span.js';
import { ByteOut } from './byte-out.js';
import { dedupedList, readU32, scalarAt, skipValue } from './encoded-values.js';
import { TRUNCATED_KEY, V_DOUBLE, V_KVLIST, V_STRING } from './format.js';
import { LiteralPool, STATIC_WK, Table, WELL_KNOWN_KEYS, WK_INDEX } from './literals.js';
import { STATIC_COUNT, STATIC_STRINGS_V1 } from './static-strings.js';
import { lenU32, putU32 } from './varint.js';

const EMPTY = Buffer.alloc(0);

/**
 * The middle layer of the encoder: strings (interned into the current literal table, from the request's bytes or
 * from JS strings), attribute lists (repeated keys found and rewritten, the well-known keys' values noted as they
 * are written, so ingest reads them back without a search) and the values that hold strings or lists.
 */
export class ListOut extends ByteOut {
  protected input: Buffer = EMPTY;
  /** UTF-8 of literals that arrived as JS strings (source 1 of the pool). */
  protected strs = Buffer.allocUnsafe(1 << 16);
  protected spos = 0;
  protected readonly pool = new LiteralPool();
  protected nextTable = 1;
  protected cur: Table = new Table(0);
  // the attribute list being written
  protected gen = 0;
  protected emptyKeyGen = 0;
  protected dup = false;
  protected kvDepth = 0;
  protected readonly keysAt: number[][] = [];
  protected tracking = false;
  protected listStart = 0;
  /** The last tracked list (span or resource attributes), for `attr`. */
  protected trackStart = 0;
  protected readonly wkPos = new Int32Array(WELL_KNOWN_KEYS.length);
  /** `--max-attribute-length`: string and bytes values longer (UTF-8 bytes) are cut to it; 0 = no limit. */
  protected maxValue = 0;
  /** The pool entry of the current top-level key (-1: the empty key), for naming truncated values. */
  private topKey = -1;
  /** Top-level keys of the list being written whose values (or values nested in them) were cut; endAttrs empties it. */
  private readonly truncated: string[] = [];
  private readonly truncatedSaved: number[] = [];

  /** Starts over for a request whose bytes `…In` calls point into; string/bytes values beyond `maxValue` are cut. */
  protected restart(input: Buffer, maxValue = 0): void {
    this.input = input;
    this.maxValue = maxValue;
    this.truncated.length = 0;
    this.truncatedSaved.length = 0;
    this.pool.reset();
    this.pool.src0 = input;
    this.pool.src1 = this.strs;
    this.pos = 0;
    this.spos = 0;
    this.nextTable = 1;
    this.gen = 0;
    this.emptyKeyGen = 0;
    this.kvDepth = 0;
    this.saved.length = 0;
    if (this.out.length > 1 << 24) this.out = Buffer.allocUnsafe(1 << 16);
    if (this.strs.length > 1 << 24) this.pool.src1 = this.strs = Buffer.allocUnsafe(1 << 16);
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
    if (s === e) return this.u32(0);
    // Intern first: it may grow the pool, replacing `lit`.
    const i = this.internIn(s, e);
    this.u32(this.pool.lit[i]);
  }

  strJs(x: string): void {
    if (x === '') return this.u32(0);
    const i = this.internJs(x);
    this.u32(this.pool.lit[i]);
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

  protected override moved(at: number, extra: number): void {
    for (let i = 0; i < this.wkPos.length; i++) if (this.wkPos[i] > at) this.wkPos[i] += extra;
  }

  /** Like attrs, for writers that learn the count at the end (attrsClose); one pass over JSON. */
  attrsOpen(track: boolean): void {
    this.attrs(0, track);
  }

  attrsClose(count: number): void {
    this.patchCount(this.listStart, count);
    this.endAttrs();
  }



  endAttrs(): void {
    if (this.truncated.length !== 0) this.markTruncated();
    if (this.dup) this.dedupe();
    if (this.tracking) this.trackStart = this.listStart;
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
        this.topKey = -1;
      } else {
        this.topKey = e;
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



  vStrIn(s: number, e: number): void {
    this.type(V_STRING);
    if (this.maxValue !== 0 && e - s > this.maxValue) e = this.cutUtf8(this.input, s, e);
    this.strIn(s, e);
  }

  vStrJs(x: string): void {
    this.type(V_STRING);
    if (this.maxValue !== 0 && x.length * 3 > this.maxValue && Buffer.byteLength(x) > this.maxValue) {
      const u = Buffer.from(x, 'utf8');
      x = u.toString('utf8', 0, this.cutUtf8(u, 0, u.length));
    }
    this.strJs(x);
  }

  override vBytes(src: Uint8Array, s: number, e: number): void {
    if (this.maxValue !== 0 && e - s > this.maxValue) {
      e = s + this.maxValue;
      this.noteTruncated();
    }
    super.vBytes(src, s, e);
  }

  // ---- --max-attribute-length ----

  /** Where a UTF-8 string at [s, e) longer than maxValue ends once cut: at most maxValue bytes, whole characters. */
  private cutUtf8(b: Uint8Array, s: number, e: number): number {
    let c = s + this.maxValue;
    // Back to the start of the character the cut falls in (at most 3 continuation bytes).
    for (let i = 0; i < 3 && c > s && (b[c] & 0xc0) === 0x80; i++) c--;
    this.noteTruncated();
    return c < e ? c : e;
  }

  private noteTruncated(): void {
    const k = this.topKey;
    const name = k < 0 ? '' : this.pool.text(k);
    if (!this.truncated.includes(name)) this.truncated.push(name);
  }

  /**
   * Adds `tracelite.truncated` (format.ts TRUNCATED_KEY): an array of the list's keys whose values were cut, as the
   * list's last attribute (a sent one of that name is overwritten).
   */
  private markTruncated(): void {
    const keys = this.truncated.splice(0);
    const at = this.listStart;
    const n = readU32(this.out, { p: at });
    this.kvDepth = 0;
    this.keyJs(TRUNCATED_KEY);
    this.vArray(keys.length);
    // The key names whole, however long.
    const max = this.maxValue;
    this.maxValue = 0;
    for (const k of keys) this.vStrJs(k);
    this.maxValue = max;
    const from = lenU32(n);
    const extra = lenU32(n + 1) - from;
    if (extra !== 0) {
      this.ensure(extra);
      this.out.copyWithin(at + from + extra, at + from, this.pos);
      this.pos += extra;
      this.moved(at, extra);
    }
    putU32(this.out, at, n + 1);
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
  private dedupe(): void {
    const start = this.listStart;
    const list = dedupedList(Buffer.from(this.out.subarray(start, this.pos)));
    this.pos = start;
    this.ensure(list.length);
    this.pos += list.copy(this.out, start);
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

  protected readonly saved: Table[] = [];

  /**
   * From here to discardEnd, values are written to be checked and thrown away (a oneof case a later one
   * overrides, a rejected span's fields): nothing reaches a chunk, not even their literals.
   */
  discardBegin(): number {
    this.truncatedSaved.push(this.truncated.length);
    this.saved.push(this.cur);
    this.cur = new Table(this.nextTable++);
    return this.pos;
  }

  discardEnd(mark: number): void {
    this.truncated.length = this.truncatedSaved.pop()!;
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
  protected readonly literalText = (index: number): string =>
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
}
