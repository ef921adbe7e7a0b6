/** Nanosecond spans of time as the ms numbers and short texts the analysis results carry. */

export function nsToMs(ns: bigint): number {
  return Number(ns) / 1e6;
}

/** "0.4 ms", "12 ms", "250 ms", "1.4 s": precise enough to compare, short enough for a sentence. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${trim((ms / 1000).toFixed(ms >= 10_000 ? 0 : 1))} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${trim(ms.toFixed(1))} ms`;
}

function trim(n: string): string {
  return n.endsWith('.0') ? n.slice(0, -2) : n;
}

/** Length of the union of [start, end) intervals: time covered at least once. */
export function unionNs(intervals: ReadonlyArray<readonly [bigint, bigint]>): bigint {
  const sorted = intervals.filter(([s, e]) => e > s).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let total = 0n;
  let curStart = 0n;
  let curEnd: bigint | undefined;
  for (const [s, e] of sorted) {
    if (curEnd === undefined || s > curEnd) {
      if (curEnd !== undefined) total += curEnd - curStart;
      curStart = s;
      curEnd = e;
    } else if (e > curEnd) {
      curEnd = e;
    }
  }
  if (curEnd !== undefined) total += curEnd - curStart;
  return total;
}

/**
 * Sequential calls measured by the real Node SDK overlap by up to ~0.5 ms (each span's clock is anchored
 * separately), so a call that ends within this of the next one's start still counts as before it.
 */
export const OVERLAP_TOLERANCE_NS = 1_000_000n;
