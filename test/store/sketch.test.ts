import { describe, expect, it } from 'vitest';
import { ALPHA, DenseSketch, DurationSketch } from '../../src/store/sketch.js';

/** Deterministic PRNG so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Log-normal durations around 2 ms, like performance.md's generator. */
function durations(n: number, seed = 7): number[] {
  const rnd = lcg(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
    out.push(Math.round(2e6 * Math.exp(1.2 * z)));
  }
  return out;
}

function exact(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

const QUANTILES = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1];

describe('DurationSketch', () => {
  it('answers every quantile within the relative accuracy', () => {
    const values = durations(20_000);
    const sketch = new DurationSketch();
    for (const v of values) sketch.add(v);
    expect(sketch.count).toBe(values.length);
    for (const q of QUANTILES) {
      const want = exact(values, q);
      expect(Math.abs(sketch.quantile(q) - want) / want).toBeLessThanOrEqual(ALPHA + 1e-9);
    }
  });

  it('answers several quantiles in one pass, in any order, like one at a time', () => {
    const sketch = new DurationSketch();
    for (const v of durations(3_000)) sketch.add(v);
    sketch.add(0, 100);
    const qs = [0.99, 0, 0.5, 0.01, 1, 0.95];
    expect(sketch.quantiles(qs)).toEqual(qs.map((q) => sketch.quantile(q)));
    expect(sketch.quantiles(qs).slice(0, 3)).toEqual([expect.any(Number), 0, expect.any(Number)]);
  });

  it('merges to the same answers as one sketch of everything', () => {
    const a = durations(5_000, 1);
    const b = durations(7_000, 2).map((v) => v * 10);
    const whole = new DurationSketch();
    const left = new DurationSketch();
    const right = new DurationSketch();
    for (const v of a) (whole.add(v), left.add(v));
    for (const v of b) (whole.add(v), right.add(v));
    left.merge(right);
    for (const q of QUANTILES) expect(left.quantile(q)).toBe(whole.quantile(q));
  });

  it('round-trips through its byte encoding, compactly', () => {
    const sketch = new DurationSketch();
    for (const v of durations(50_000)) sketch.add(v);
    sketch.add(0, 3);
    sketch.add(5e12, 2 ** 40); // counts beyond 32 bits
    const bytes = sketch.encode();
    const back = DurationSketch.decode(bytes);
    expect(back.count).toBe(sketch.count);
    expect(back.zeroCount).toBe(3);
    expect([...back.bins].sort((x, y) => x[0] - y[0])).toEqual([...sketch.bins].sort((x, y) => x[0] - y[0]));
    // ~1 byte of index delta + 1–3 of count per bucket: well under 2 KB for a log-normal spread
    expect(bytes.length).toBeLessThan(4 * sketch.bins.size + 16);
  });

  it('handles empty, zero and single values', () => {
    const sketch = new DurationSketch();
    expect(sketch.quantile(0.5)).toBe(0);
    sketch.add(0);
    expect(sketch.quantile(0.99)).toBe(0);
    const one = new DurationSketch();
    one.add(1_234_567);
    expect(Math.abs(one.quantile(0.5) - 1_234_567) / 1_234_567).toBeLessThanOrEqual(ALPHA);
    expect(() => DurationSketch.decode(Uint8Array.from([9]))).toThrow(/format/);
    expect(() => DurationSketch.decode(Uint8Array.from([1, 0, 1, 0x80]))).toThrow(/truncated/);
  });
});

describe('DenseSketch', () => {
  it('sums encoded sketches into exactly what merging them does', () => {
    const parts = [0, 1, 2].map((k) => {
      const s = new DurationSketch();
      for (let i = 0; i < 500; i++) s.add(i === 0 ? 0 : Math.round(Math.exp((i * 7 + k * 13) % 40) * 1000));
      s.add(2 ** 63, 3); // the top of the int64 range
      return s;
    });
    const merged = new DurationSketch();
    const dense = new DenseSketch();
    for (const p of parts) {
      merged.merge(p);
      dense.mergeEncoded(p.encode());
    }
    const summed = dense.toSketch();
    expect(summed.count).toBe(merged.count);
    expect(summed.zeroCount).toBe(merged.zeroCount);
    expect(new Map([...summed.bins].sort((a, b) => a[0] - b[0]))).toEqual(new Map([...merged.bins].sort((a, b) => a[0] - b[0])));
    expect(summed.encode()).toEqual(merged.encode());
  });
});
