import type { Nanos } from '../model/span.js';

/**
 * A trace is "still arriving" while its newest span ended less than ARRIVING_MS ago: OTLP exporters send a span
 * once it has ended, batched (the SDKs' BatchSpanProcessor waits up to 5 s), so a trace whose spans stopped
 * ending a moment ago may yet gain its root or more children. 6 s is the sampler's default decision wait (5 s,
 * `--decision-wait`: "no span for this long" is when the sampler too calls a trace complete) plus a second of
 * slack. Measured on span times, not on when the store wrote them: the store keeps only a trace's first write
 * (trace_rows.written_ms), so this rule also marks a trace from a host whose clock runs ahead a little longer.
 * A trace seen again after this time is shown as it is, which is what it is: finished as far as anyone knows.
 */
export const ARRIVING_MS = 6_000;

export function stillArriving(newestEndNs: Nanos, nowMs: number, windowMs = ARRIVING_MS): boolean {
  const quietMs = nowMs - Number(newestEndNs / 1_000_000n);
  return quietMs < windowMs;
}
