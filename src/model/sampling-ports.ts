/**
 * What the tail sampler (src/ingest/sampler.ts) shows of itself: GET /api/sampling and the Sampling page read it
 * through this port (api/ and web/ may not import sampling/).
 */

/** One rule's decisions; `rule` is the rule's name, or 'default'. */
export interface SamplingRuleCount {
  rule: string;
  kept: number;
  dropped: number;
}

export interface SamplingStats {
  /** The active policy as a policy file would say it (sampling/policy.ts `policyJson`). */
  policy: object;
  decisionWaitMs: number;
  maxAgeMs: number;
  traces: {
    /** Traces that arrived, decided or not (a late span of a decided trace does not count again). */
    seen: number;
    kept: number;
    dropped: number;
    /** Waiting for their decision now: seen = kept + dropped + buffered. */
    buffered: number;
  };
  spans: { seen: number; kept: number; dropped: number; buffered: number };
  /** Per rule, in policy order, then 'default'. The sums are traces.kept and traces.dropped. */
  rules: SamplingRuleCount[];
  /** Why traces were decided when they were (their sum is kept + dropped). */
  decided: {
    /** Root span ended and no span for the decision wait. */
    waited: number;
    /** Reached the maximum age without that (no root span yet, or spans kept coming). */
    maxAge: number;
    /** Decided early because the buffer was full. */
    early: number;
    /** Decided at shutdown. */
    shutdown: number;
  };
  /** Spans of an already decided trace: they follow its decision. */
  lateSpans: { kept: number; dropped: number };
  /** Undecided spans and traces held; `writing`: kept spans not yet written (bounded apart, 503 beyond it). */
  buffer: { spans: number; maxSpans: number; traces: number; writing: number };
  /** Kept traces handed to the store; a failure there is counted here (the exporter was answered already). */
  writes: { spans: number; failedSpans: number; failedTraces: number; lastError: string };
}

/** The sampler as the API and the pages see it; `undefined` when sampling is off. */
export interface SamplingStatus {
  stats(): SamplingStats | undefined;
}
