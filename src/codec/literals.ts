import { DESTINATION_KEYS, PEER_HOST_KEYS, PEER_PORT_KEYS, PEER_SERVICE_KEYS, URL_KEYS } from '../model/semconv.js';
import { HTTP_STATUS_KEYS } from '../model/failure.js';
import { STATIC_COUNT, STATIC_STRINGS_V1 } from './static-strings.js';

/**
 * The literal pool of one request: every chunk's and dimension's literal table, interned by content in one
 * open-addressing hash table keyed by (table, bytes). Strings are never made for attribute keys and values: a
 * literal is a byte range of the protobuf request (source 0) or of the encoder's UTF-8 scratch (source 1, for
 * strings that arrive as JS strings), copied into the chunk only when it is assembled.
 *
 * The hash samples at most 16 bytes (all of a short string; the first 8, middle 4 and last 4 of a longer one),
 * so hashing a 400-byte stack trace costs what hashing `http.route` does; equal hashes are confirmed byte by byte.
 */

/**
 * A chunk's or a dimension's literal table: entry ids in literal order (str index STATIC_COUNT + i ↔ `lits[i]`).
 * A table without `statics` (the trace IDs of a request) keeps every string as a literal of its own.
 */
export class Table {
  readonly lits: number[] = [];
  constructor(
    readonly id: number,
    readonly statics = true,
  ) {}
}

/**
 * Attribute keys ingest reads per span (failure.ts, semconv.ts callEndsOf, the resource's service.name): the
 * encoder notes where their values are as it writes them, so reading them costs no search. Any other key is
 * found by a scan (see RequestEncoder.attr), so this list is an optimisation, not a rule.
 */
export const WELL_KNOWN_KEYS: readonly string[] = [
  ...new Set<string>([
    'service.name',
    ...HTTP_STATUS_KEYS,
    ...PEER_SERVICE_KEYS,
    ...PEER_HOST_KEYS,
    ...PEER_PORT_KEYS,
    ...URL_KEYS,
    ...DESTINATION_KEYS,
    'server.address',
    'server.port',
    'net.host.name',
    'net.host.port',
    'http.host',
  ]),
];
export const WK_SERVICE_NAME = 0;
const WK_BYTES = WELL_KNOWN_KEYS.map((k) => Buffer.from(k, 'utf8'));
/** Open addressing over the keys' hashes: index + 1, 0 = empty. */
const WK_SLOTS = new Int8Array(256);
const WK_HASHES = new Int32Array(256);
WK_BYTES.forEach((b, i) => {
  const h = hashBytes(b, 0, b.length);
  let j = h & 255;
  while (WK_SLOTS[j] !== 0) j = (j + 1) & 255;
  WK_SLOTS[j] = i + 1;
  WK_HASHES[j] = h;
});

function wellKnown(h: number, buf: Uint8Array, off: number, len: number): number {
  for (let j = h & 255; WK_SLOTS[j] !== 0; j = (j + 1) & 255) {
    if (WK_HASHES[j] !== h) continue;
    const k = WK_SLOTS[j] - 1;
    if (WK_BYTES[k].length === len && bytesEqual(WK_BYTES[k], 0, buf, off, len)) return k;
  }
  return -1;
}
export const WK_INDEX: ReadonlyMap<string, number> = new Map(WELL_KNOWN_KEYS.map((k, i) => [k, i]));
/** WELL_KNOWN_KEYS index of each static string, or -1. */
export const STATIC_WK: readonly number[] = STATIC_STRINGS_V1.map((s) => WK_INDEX.get(s) ?? -1);

const STATIC_BYTES = STATIC_STRINGS_V1.map((k) => Buffer.from(k, 'utf8'));
const STATIC_SLOTS = new Int8Array(256);
const STATIC_HASHES = new Int32Array(256);
STATIC_BYTES.forEach((b, i) => {
  if (i === 0) return; // '' is never interned
  const h = hashBytes(b, 0, b.length);
  let j = h & 255;
  while (STATIC_SLOTS[j] !== 0) j = (j + 1) & 255;
  STATIC_SLOTS[j] = i;
  STATIC_HASHES[j] = h;
});

export function hashBytes(b: Uint8Array, off: number, len: number): number {
  let h = Math.imul(len, 0x9e3779b1);
  if (len < 16) {
    for (let i = off, e = off + len; i < e; i++) h = Math.imul(h ^ b[i], 0x01000193);
  } else {
    for (const at of [off, off + 4, off + (len >> 1) - 2, off + len - 4]) {
      h = Math.imul(h ^ (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)), 0x01000193);
    }
  }
  return (h ^ (h >>> 15)) | 0;
}

export function bytesEqual(a: Uint8Array, ao: number, b: Uint8Array, bo: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (a[ao + i] !== b[bo + i]) return false;
  return true;
}

const INITIAL_ENTRIES = 4096;
const INITIAL_SLOTS = 1 << 14;
/** Per entry in `rec`: content hash, table id, byte length, offset (source 0) or ~offset (source 1). */
const REC = 4;

export class LiteralPool {
  /** Sources: 0 = the request, 1 = the UTF-8 scratch. Set by the encoder before interning. */
  src0: Buffer = Buffer.alloc(0);
  src1: Buffer = Buffer.alloc(0);
  /** The fields a probe compares, side by side (one cache line per entry). */
  private rec = new Int32Array(INITIAL_ENTRIES * REC);
  /** The `str` index to write for the entry: a static string's, or STATIC_COUNT + its place among the literals (in
   * a table without statics, just its place). */
  lit = new Int32Array(INITIAL_ENTRIES);
  /** Last attribute list (generation) that used this literal as a key: repeated keys are found in O(1). */
  seen = new Int32Array(INITIAL_ENTRIES);
  /** WELL_KNOWN_KEYS index, or -1. */
  wk = new Int8Array(INITIAL_ENTRIES);
  n = 0;
  private slots = new Int32Array(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;

  reset(): void {
    // After an unusually large request, shrink back rather than clear megabytes per request.
    if (this.slots.length > INITIAL_SLOTS * 8 && this.n * 16 < this.slots.length) {
      this.slots = new Int32Array(INITIAL_SLOTS);
      this.mask = INITIAL_SLOTS - 1;
    } else this.slots.fill(0);
    if (this.lit.length > INITIAL_ENTRIES * 64 && this.n * 16 < this.lit.length) this.allocEntries(INITIAL_ENTRIES);
    // Entries 0..63 are the static strings, shared by every table (never in the hash table: found first, apart).
    for (let i = 0; i < STATIC_COUNT; i++) {
      this.rec[i * REC + 1] = -1;
      this.rec[i * REC + 2] = STATIC_BYTES[i].length;
      this.lit[i] = i;
      this.wk[i] = STATIC_WK[i];
      this.seen[i] = 0;
    }
    this.n = STATIC_COUNT;
  }

  lenOf(e: number): number {
    return this.rec[e * REC + 2];
  }

  offOf(e: number): number {
    const o = this.rec[e * REC + 3];
    return o >= 0 ? o : ~o;
  }

  bytesOf(e: number): Buffer {
    return this.rec[e * REC + 3] >= 0 ? this.src0 : this.src1;
  }

  /** The entry for `buf[off, off + len)` of source `srcId` in `t`, added as its next literal if new. */
  intern(t: Table, srcId: number, buf: Buffer, off: number, len: number): number {
    // hashBytes, inlined: this is the hottest loop of ingest.
    let h = Math.imul(len, 0x9e3779b1);
    if (len < 16) {
      for (let i = off, e = off + len; i < e; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    } else {
      const m = off + (len >> 1) - 2;
      const z = off + len - 4;
      h = Math.imul(h ^ (buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24)), 0x01000193);
      h = Math.imul(h ^ (buf[off + 4] | (buf[off + 5] << 8) | (buf[off + 6] << 16) | (buf[off + 7] << 24)), 0x01000193);
      h = Math.imul(h ^ (buf[m] | (buf[m + 1] << 8) | (buf[m + 2] << 16) | (buf[m + 3] << 24)), 0x01000193);
      h = Math.imul(h ^ (buf[z] | (buf[z + 1] << 8) | (buf[z + 2] << 16) | (buf[z + 3] << 24)), 0x01000193);
    }
    h = (h ^ (h >>> 15)) | 0;
    if (t.statics) {
      // A small table that stays in cache: most keys end here, never reaching the big one.
      for (let j = h & 255, k = STATIC_SLOTS[j]; k !== 0; j = (j + 1) & 255, k = STATIC_SLOTS[j]) {
        if (STATIC_HASHES[j] !== h) continue;
        const sb = STATIC_BYTES[k];
        if (sb.length !== len) continue;
        let m = 0;
        while (m < len && sb[m] === buf[off + m]) m++;
        if (m === len) return k;
      }
    }
    const tid = t.id;
    const slots = this.slots;
    const mask = this.mask;
    const rec = this.rec;
    let i = (h ^ Math.imul(tid, 0x27d4eb2d)) & mask;
    for (let s = slots[i]; s !== 0; s = slots[i]) {
      const r = (s - 1) * REC;
      if (rec[r] === h && rec[r + 1] === tid && rec[r + 2] === len) {
        let o = rec[r + 3];
        const other = o >= 0 ? this.src0 : this.src1;
        if (o < 0) o = ~o;
        if (len > 256) {
          if (other.compare(buf, off, off + len, o, o + len) === 0) return s - 1;
        } else {
          let k = 0;
          while (k < len && other[o + k] === buf[off + k]) k++;
          if (k === len) return s - 1;
        }
      }
      i = (i + 1) & mask;
    }
    const e = this.n++;
    if (e === this.lit.length) this.allocEntries(e * 2);
    const r = e * REC;
    this.rec[r] = h;
    this.rec[r + 1] = tid;
    this.rec[r + 2] = len;
    this.rec[r + 3] = srcId === 0 ? off : ~off;
    this.seen[e] = 0;
    this.lit[e] = (t.statics ? STATIC_COUNT : 0) + t.lits.length;
    t.lits.push(e);
    this.wk[e] = wellKnown(h, buf, off, len);
    slots[i] = e + 1;
    if (this.n * 2 > mask) this.rehash();
    return e;
  }

  /** The literal's text (for the few values ingest reads). */
  text(e: number): string {
    if (e < STATIC_COUNT) return STATIC_STRINGS_V1[e];
    const o = this.offOf(e);
    return this.bytesOf(e).toString('utf8', o, o + this.lenOf(e));
  }

  private allocEntries(size: number): void {
    const n = Math.min(this.n, size);
    const rec = new Int32Array(size * REC);
    rec.set(this.rec.subarray(0, n * REC));
    this.rec = rec;
    const grow = <A extends Int32Array | Int8Array>(a: A, make: (k: number) => A): A => {
      const b = make(size);
      b.set(a.subarray(0, n));
      return b;
    };
    this.lit = grow(this.lit, (k) => new Int32Array(k));
    this.seen = grow(this.seen, (k) => new Int32Array(k));
    this.wk = grow(this.wk, (k) => new Int8Array(k));
  }

  private rehash(): void {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let e = STATIC_COUNT; e < this.n; e++) {
      let i = (this.rec[e * REC] ^ Math.imul(this.rec[e * REC + 1], 0x27d4eb2d)) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = e + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
