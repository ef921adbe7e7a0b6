/**
 * A DDSketch-style log-bucket sketch of durations (non-negative nanoseconds). Bucket i holds the values in
 * (γ^(i-1), γ^i] and answers with 2γ^i/(γ+1), so every quantile is within ALPHA relative error. Buckets are
 * never collapsed: with γ ≈ 1.0202 the whole int64 range is ~2,200 buckets, and one operation's durations
 * typically fill a few hundred. Pure: no database here; the writer merges one batch's sketch into the stored one.
 */

/** Relative accuracy of every quantile. */
export const ALPHA = 0.01;
const GAMMA = (1 + ALPHA) / (1 - ALPHA);
const LN_GAMMA = Math.log(GAMMA);
const FORMAT_VERSION = 1;

export class DurationSketch {
  /** Values below 1 ns (i.e. 0). */
  zeroCount = 0;
  count = 0;
  readonly bins = new Map<number, number>();

  add(valueNs: number, times = 1): void {
    this.count += times;
    if (!(valueNs >= 1)) {
      this.zeroCount += times;
      return;
    }
    const i = Math.ceil(Math.log(valueNs) / LN_GAMMA);
    this.bins.set(i, (this.bins.get(i) ?? 0) + times);
  }

  merge(other: DurationSketch): void {
    this.count += other.count;
    this.zeroCount += other.zeroCount;
    for (const [i, c] of other.bins) this.bins.set(i, (this.bins.get(i) ?? 0) + c);
  }

  /**
   * The nearest-rank quantile (the ⌈q·count⌉-th smallest value) within ALPHA relative error; 0 for an empty
   * sketch. Nearest rank never reports a p99 below a value that 1 % of requests actually took, even for a
   * handful of samples (p99 of ten requests is the slowest one).
   */
  quantile(q: number): number {
    return this.quantiles([q])[0];
  }

  /** Several quantiles in one pass over the sorted buckets; `qs` in any order. */
  quantiles(qs: readonly number[]): number[] {
    const ranks = qs.map((q) => Math.max(0, Math.ceil(Math.min(1, Math.max(0, q)) * this.count) - 1));
    const out = qs.map(() => 0);
    const order = ranks.map((_, k) => k).sort((a, b) => ranks[a] - ranks[b]);
    let next = 0;
    while (next < order.length && (this.count === 0 || ranks[order[next]] < this.zeroCount)) next++;
    let seen = this.zeroCount;
    for (const i of [...this.bins.keys()].sort((a, b) => a - b)) {
      if (next === order.length) break;
      seen += this.bins.get(i)!;
      for (; next < order.length && seen > ranks[order[next]]; next++) {
        out[order[next]] = (2 * Math.pow(GAMMA, i)) / (GAMMA + 1);
      }
    }
    return out;
  }

  /** Compact bytes: version, zero count, bin count, then (index delta, count) varint pairs in index order. */
  encode(): Uint8Array {
    const out: number[] = [FORMAT_VERSION];
    writeVarint(out, this.zeroCount);
    writeVarint(out, this.bins.size);
    let prev = 0;
    for (const i of [...this.bins.keys()].sort((a, b) => a - b)) {
      writeVarint(out, i - prev); // indices are >= 0 because values are >= 1 ns
      writeVarint(out, this.bins.get(i)!);
      prev = i;
    }
    return Uint8Array.from(out);
  }

  static decode(bytes: Uint8Array): DurationSketch {
    const sketch = new DurationSketch();
    sketch.mergeEncoded(bytes);
    return sketch;
  }

  /** merge(decode(bytes)) without the sketch in between: the stats readers merge thousands of stored rows. */
  mergeEncoded(bytes: Uint8Array): void {
    const at = { pos: 0 };
    if (bytes[at.pos++] !== FORMAT_VERSION) throw new Error('unknown duration sketch format');
    const zeros = readVarint(bytes, at);
    this.zeroCount += zeros;
    this.count += zeros;
    const bins = readVarint(bytes, at);
    let index = 0;
    for (let n = 0; n < bins; n++) {
      index += readVarint(bytes, at);
      const c = readVarint(bytes, at);
      this.bins.set(index, (this.bins.get(index) ?? 0) + c);
      this.count += c;
    }
  }
}

/** Bins of every duration up to 2^64 ns (ln(2^64) / ln γ ≈ 2,218). */
const DENSE_BINS = 2304;

/**
 * A sketch being summed from many stored ones (the stats readers merge thousands of rows per answer): bins in an
 * array instead of a map, several times faster to add into. Exact: the same counts, returned as a DurationSketch.
 */
export class DenseSketch {
  zeroCount = 0;
  count = 0;
  private readonly bins = new Float64Array(DENSE_BINS);
  /** Bins beyond the array: none for any int64 duration, kept for safety rather than dropped. */
  private readonly spill = new Map<number, number>();

  mergeEncoded(bytes: Uint8Array): void {
    const at = { pos: 0 };
    if (bytes[at.pos++] !== FORMAT_VERSION) throw new Error('unknown duration sketch format');
    const zeros = readVarint(bytes, at);
    this.zeroCount += zeros;
    this.count += zeros;
    const n = readVarint(bytes, at);
    let index = 0;
    for (let k = 0; k < n; k++) {
      index += readVarint(bytes, at);
      const c = readVarint(bytes, at);
      if (index < DENSE_BINS) this.bins[index] += c;
      else this.spill.set(index, (this.spill.get(index) ?? 0) + c);
      this.count += c;
    }
  }

  toSketch(): DurationSketch {
    const out = new DurationSketch();
    out.zeroCount = this.zeroCount;
    out.count = this.count;
    for (let i = 0; i < DENSE_BINS; i++) if (this.bins[i] !== 0) out.bins.set(i, this.bins[i]);
    for (const [i, c] of this.spill) out.bins.set(i, c);
    return out;
  }
}

/** LEB128 with arithmetic, not bit operators, so counts above 2^31 survive (exact up to 2^53). */
function writeVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function readVarint(bytes: Uint8Array, at: { pos: number }): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = bytes[at.pos++];
    if (b === undefined) throw new Error('truncated duration sketch');
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value;
    scale *= 0x80;
  }
}
