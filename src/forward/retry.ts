/** When to try an export again (pure, so the rules are tested without a clock). */

/** Statuses OTLP/HTTP says to retry (specification, "Retryable Response Codes"); every other non-2xx is final. */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([429, 502, 503, 504]);

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/**
 * Exponential backoff with jitter: the n-th retry (0-based) waits initial·2^n capped at max, times a factor drawn
 * from [0.5, 1.5) (the Collector's randomization factor 0.5), so many tracelites behind one collector do not retry
 * in step. Forwarding uses 1 s doubling to 30 s; the Collector's `retry_on_failure` starts at 5 s × 1.5 to the
 * same 30 s, slower to notice an upstream that restarted in a couple of seconds.
 */
export function backoffMs(retry: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.min(retry, 30));
  return Math.round(base * (0.5 + random()));
}

/**
 * `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); undefined when absent or unreadable (the
 * backoff applies then). A date in the past is 0. Capped, so one odd header cannot stall forwarding for days.
 */
export function retryAfterMs(header: string | null | undefined, nowMs: number, capMs: number): number | undefined {
  if (header == null) return undefined;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Math.min(capMs, Number(v) * 1000);
  if (!/[A-Za-z]/.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.min(capMs, Math.max(0, at - nowMs));
}
