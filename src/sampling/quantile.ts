/**
 * A streaming quantile of durations per key (a root service + operation) that adapts as traffic changes:
 * log-spaced buckets 2 % wide (so a p99 is within 2 % of the true one), and every HALF_LIFE observations each
 * count is halved, so the estimate follows the last few thousand traces rather than all of history.
 */
const GAMMA = 1.02;
const LOG_GAMMA = Math.log(GAMMA);
/** 1 µs … ~10 h in 2 % steps. */
const MIN_NS = 1_000;
const BUCKETS = Math.ceil(Math.log(3.6e13 / MIN_NS) / LOG_GAMMA) + 1;
const HALF_LIFE = 2_000;
/** The threshold is recomputed after this many observations (scanning the buckets costs ~1 µs per 100). */
const REFRESH = 16;
/** Keys kept at once; past this the least recently seen go (a root operation per key: a few hundred in practice). */
const MAX_KEYS = 5_000;

interface Estimate {
  counts: Float64Array;
  total: number;
  /** Observations ever (not decayed): is the estimate trusted yet? */
  seen: number;
  sinceDecay: number;
  sinceRefresh: number;
  threshold: number;
}

export class QuantileEstimates {
  private readonly byKey = new Map<string, Estimate>();

  constructor(private readonly q: number) {}

  /** Traces seen of `key` so far. */
  seen(key: string): number {
    return this.byKey.get(key)?.seen ?? 0;
  }

  /** The current estimate of the quantile of `key`'s durations (ns); Infinity before any observation. */
  threshold(key: string): number {
    const e = this.byKey.get(key);
    if (!e) return Infinity;
    // Exact while the estimate is young, then refreshed every REFRESH observations.
    if (e.sinceRefresh >= (e.seen < 1_000 ? 1 : REFRESH)) {
      e.threshold = quantileOf(e, this.q);
      e.sinceRefresh = 0;
    }
    return e.threshold;
  }

  observe(key: string, durationNs: number): void {
    let e = this.byKey.get(key);
    if (e) {
      this.byKey.delete(key); // re-inserted below: Map order is then least recently seen first
    } else {
      if (this.byKey.size >= MAX_KEYS) this.byKey.delete(this.byKey.keys().next().value!);
      e = { counts: new Float64Array(BUCKETS), total: 0, seen: 0, sinceDecay: 0, sinceRefresh: 0, threshold: Infinity };
    }
    this.byKey.set(key, e);
    e.counts[bucketOf(durationNs)] += 1;
    e.total += 1;
    e.seen += 1;
    if (++e.sinceDecay >= HALF_LIFE) {
      for (let i = 0; i < BUCKETS; i++) e.counts[i] *= 0.5;
      e.total *= 0.5;
      e.sinceDecay = 0;
    }
    e.sinceRefresh += 1;
  }
}

function bucketOf(ns: number): number {
  if (!(ns > MIN_NS)) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(ns / MIN_NS) / LOG_GAMMA));
}

/** The lower edge of the bucket holding the q-quantile: a duration at or above it is "at least the p-quantile". */
function quantileOf(e: Estimate, q: number): number {
  const above = e.total * (1 - q);
  let acc = 0;
  for (let i = BUCKETS - 1; i >= 0; i--) {
    acc += e.counts[i];
    if (acc >= above) return i === 0 ? 0 : MIN_NS * GAMMA ** (i - 1);
  }
  return 0;
}
