import type { Nanos, SpanId, TraceId } from '../model/span.js';
import type { Policy, Rule } from './policy.js';
import { QuantileEstimates } from './quantile.js';

/**
 * Deciding a complete trace by a policy: the first rule that matches decides, else the default. The same code
 * decides live traffic (the sampler, clock = now) and replays stored traffic (the simulator: in end order, clock = each
 * trace's end, when the sampler would have decided it), so the simulator predicts what the sampler keeps.
 */

/** What a policy reads of a span (ingest's SpanMeta and the stored spans both have these). */
export interface PolicySpan {
  spanId: SpanId;
  parentSpanId: SpanId | '';
  name: string;
  service: string;
  startTimeUnixNano: Nanos;
  endTimeUnixNano: Nanos;
  /** Failed, by model/failure.ts. */
  error: boolean;
}

/** A complete trace as a policy sees it. */
export interface PolicyTrace {
  traceId: TraceId;
  error: boolean;
  durationNs: bigint;
  /** The root span's service and name ('' when the trace has no root: then its earliest span's). */
  rootService: string;
  rootName: string;
  /** The text values of `key` on the trace's spans and their resources (only attribute rules ask). */
  attribute(key: string): readonly string[];
}

export interface Decision {
  keep: boolean;
  /** The rule that decided (its name), or 'default'. */
  rule: string;
}

/** The facts of a trace from its spans: failed if any span failed; duration from the first start to the last end. */
export function traceFacts(traceId: TraceId, spans: readonly PolicySpan[], attribute: (key: string) => readonly string[]): PolicyTrace {
  let start = spans[0].startTimeUnixNano;
  let end = spans[0].endTimeUnixNano;
  let error = false;
  let root: PolicySpan | undefined;
  let earliest = spans[0];
  for (const s of spans) {
    if (s.startTimeUnixNano < start) start = s.startTimeUnixNano;
    if (s.endTimeUnixNano > end) end = s.endTimeUnixNano;
    if (s.error) error = true;
    if (s.startTimeUnixNano < earliest.startTimeUnixNano) earliest = s;
    if (s.parentSpanId === '' && (!root || s.startTimeUnixNano < root.startTimeUnixNano)) root = s;
  }
  const top = root ?? earliest;
  return { traceId, error, durationNs: end - start, rootService: top.service, rootName: top.name, attribute };
}

/**
 * The randomness of a trace ID as OpenTelemetry's consistent probability sampling defines it: its last 56 bits
 * (random in W3C trace IDs whose random flag is set, and in what every OpenTelemetry SDK generates). A trace is
 * kept at rate r when that value is at least the rejection threshold (1 − r)·2^56, so any two samplers at any
 * rates agree on the same trace, and a lower rate keeps a subset of what a higher one keeps.
 */
export function keptAtRate(traceId: TraceId, rate: number): boolean {
  if (rate >= 1) return true;
  if (rate <= 0) return false;
  // The top 52 of those 56 bits (exact in a double): the threshold is then exact to 2^-52.
  const r = parseInt(traceId.slice(18, 31), 16) / 2 ** 52;
  return r >= 1 - rate;
}

/** One policy's decisions, with the state its latency and rate-limit rules keep between traces. */
export class PolicyEvaluator {
  private readonly quantiles = new Map<Rule, QuantileEstimates>();
  private readonly buckets = new Map<Rule, { tokens: number; atMs: number }>();

  constructor(readonly policy: Policy) {
    for (const r of policy.rules) if (r.type === 'latency' && r.quantile !== undefined) this.quantiles.set(r, new QuantileEstimates(r.quantile));
  }

  /** Decides `t`; `nowMs` is the clock of rate limits (the simulator passes the trace's end, when the sampler would decide it, so replays repeat). */
  decide(t: PolicyTrace, nowMs: number): Decision {
    let decision: Decision | undefined;
    for (const rule of this.policy.rules) {
      if (this.matches(rule, t, nowMs)) {
        decision = { keep: rule.action === 'keep', rule: rule.name };
        break;
      }
    }
    // Every trace feeds the quantiles, whichever rule decided it: they estimate the traffic, not what was kept.
    const key = `${t.rootService}\u0000${t.rootName}`;
    for (const q of this.quantiles.values()) q.observe(key, Number(t.durationNs));
    return decision ?? { keep: this.policy.default === 'keep', rule: 'default' };
  }

  private matches(rule: Rule, t: PolicyTrace, nowMs: number): boolean {
    switch (rule.type) {
      case 'error':
        return t.error;
      case 'latency': {
        if (rule.thresholdNs !== undefined) return t.durationNs >= rule.thresholdNs;
        const q = this.quantiles.get(rule)!;
        const key = `${t.rootService}\u0000${t.rootName}`;
        // Until enough of its traces were seen, every trace of a root operation counts as slow.
        return q.seen(key) < rule.minTraces || Number(t.durationNs) >= q.threshold(key);
      }
      case 'attribute':
        return t.attribute(rule.key).some((v) => (rule.value !== undefined ? v === rule.value : rule.match!.test(v)));
      case 'probabilistic':
        return keptAtRate(t.traceId, rule.rate);
      case 'rate-limit': {
        let b = this.buckets.get(rule);
        if (!b) this.buckets.set(rule, (b = { tokens: rule.tracesPerSecond, atMs: nowMs }));
        b.tokens = Math.min(rule.tracesPerSecond, b.tokens + (Math.max(0, nowMs - b.atMs) / 1000) * rule.tracesPerSecond);
        b.atMs = Math.max(b.atMs, nowMs);
        if (b.tokens < 1) return false;
        b.tokens -= 1;
        return true;
      }
    }
  }
}
