import type { Span, SpanId, TraceId } from '../model/span.js';

/**
 * Shapes of the trace analysis (GET /api/traces/{id}/analysis). Plain data: the analysis functions take
 * spans (from the store) and return these; routes serialise them as they are. Durations are float ms.
 */

export interface SpanNode {
  span: Span;
  parent: SpanNode | undefined;
  /** Sorted by start time, then span ID. */
  children: SpanNode[];
  depth: number;
}

export interface TraceTree {
  /** The spans after de-duplication (the first of duplicate IDs is kept). */
  spans: Span[];
  /** Parentless spans, orphans and spans cut out of a cycle, sorted by start. */
  roots: SpanNode[];
  nodes: Map<SpanId, SpanNode>;
  /** Spans whose parentSpanId names no span of this trace. */
  orphans: SpanNode[];
  startNs: bigint;
  endNs: bigint;
  warnings: Warning[];
}

export type WarningKind =
  | 'duplicate-span-id'
  | 'self-parent'
  | 'cycle'
  | 'no-root'
  | 'multiple-roots'
  | 'clock-skew'
  | 'child-outlives-parent'
  | 'missing-service'
  | 'orphan';

export interface Warning {
  kind: WarningKind;
  spanId?: SpanId;
  /** One plain sentence a newcomer understands, naming the span and service. */
  message: string;
}

export interface ServiceTime {
  service: string;
  selfMs: number;
  /** selfMs / trace duration; the shares add up to 1. */
  share: number;
  /** false for a callee known only from CLIENT spans without children (no tracing there). */
  instrumented: boolean;
}

export interface PathSegment {
  spanId: SpanId;
  service: string;
  name: string;
  ms: number;
}

/**
 * Advice about the outgoing calls one span made (findFanOuts). Calls that already overlap are only facts, shown
 * in the waterfall: a span whose calls all run concurrently gets no finding.
 *
 * - `repeated`: the same call (target and operation) made again and again, at least partly one after another:
 *   an N+1 loop. Batch it, or run the calls concurrently.
 * - `sequential`: calls to different targets made one after another. Running them concurrently only helps
 *   if they do not depend on each other, which the trace cannot tell; the message says so.
 */
export type FanOutFinding = RepeatedCallsFinding | SequentialCallsFinding;

interface FanOutBase {
  /** The span that made the calls. */
  spanId: SpanId;
  service: string;
  name: string;
  /** How many calls this finding is about: callSpanIds.length. */
  calls: number;
  /** The calls this finding is about, in start order. */
  callSpanIds: SpanId[];
  /** Distinct targets (peer service, the service that answered, else host:port), in call order. */
  targets: string[];
  /**
   * How many rounds the calls ran in, one after another: a call starting after every earlier one ended begins
   * a round. 5 for five sequential calls; 2 for two side by side and then a third.
   */
  rounds: number;
  /** Time covered by these calls now. */
  wallMs: number;
  /**
   * `repeated`: wallMs minus the longest call (never counting retries of a failed attempt). `sequential`:
   * wallMs minus the time if the calls to different targets ran concurrently, each target's identical calls
   * kept as they run now. At least 1 ms, or there is no finding.
   */
  couldSaveMs: number;
  message: string;
}

export interface RepeatedCallsFinding extends FanOutBase {
  kind: 'repeated';
  /** The one target of these calls (also `targets[0]`). */
  target: string;
  /** What every one of these calls asked for: `GET /items/{id}`, a query text, an RPC method. */
  operation: string;
}

export interface SequentialCallsFinding extends FanOutBase {
  kind: 'sequential';
}

export interface ExceptionInfo {
  type: string;
  message: string;
  stacktrace: string;
}

export interface ErrorHop {
  spanId: SpanId;
  service: string;
  name: string;
  /** What the span does, as every page names it (span-name.ts spanLabel): "GET → payments" for a call. */
  label: string;
  /** http.response.status_code (or legacy http.status_code) when the span has one. */
  httpStatus?: number;
  /** true for the origin, false for spans that only passed the error on. */
  originated: boolean;
}

export interface SpanRef {
  spanId: SpanId;
  service: string;
  name: string;
}

export interface RootCause {
  spanId: SpanId;
  service: string;
  name: string;
  statusMessage: string;
  /** Recorded on the origin, or else on a span of its service under the origin's entry (SERVER) span. */
  exception: ExceptionInfo | null;
  /** The errored spans from the origin root-ward: e.g. payments 500 → checkout 502 → frontend 502. */
  chain: ErrorHop[];
  /**
   * The first span above the chain that did not fail in a request that did not fail either (a retry or
   * fallback worked); null when the error reached the top of the trace.
   */
  handledBy: SpanRef | null;
  /** Every errored span of the trace (origin and chain included): whether it originated or only propagated. */
  errors: Array<{ spanId: SpanId; service: string; name: string; originated: boolean }>;
  message: string;
}

export interface Orphan {
  spanId: SpanId;
  service: string;
  name: string;
  parentSpanId: SpanId;
  /** The OTLP flags say the parent was remote (flags & 0x300 == 0x300). */
  remoteParent: boolean;
  message: string;
}

export interface BrokenLink {
  fromService: string;
  toService: string;
  clientSpanId: SpanId;
  matchedTraceId: TraceId;
  matchedSpanId: SpanId;
  /** What the client called: "127.0.0.1:3003", "inventory", "http://inventory/items". */
  target: string;
  message: string;
}

export interface Propagation {
  orphans: Orphan[];
  brokenLinks: BrokenLink[];
}

export interface TraceAnalysis {
  traceId: TraceId;
  durationMs: number;
  timeByService: ServiceTime[];
  /** Each span's own time not covered by its children, in ms. */
  selfTimeMs: Record<SpanId, number>;
  criticalPath: PathSegment[];
  fanOut: FanOutFinding[];
  rootCause: RootCause | null;
  propagation: Propagation;
  warnings: Warning[];
}

export interface ChainResult {
  ok: boolean;
  /** Root-to-leaf service paths of the trace, consecutive repeats folded. */
  paths: string[][];
  missing: Array<{ from: string; to: string; reason: string }>;
}

export interface DependencyEdge {
  parent: string;
  child: string;
  callCount: number;
  errorCount: number;
  /** false when the child is an uninstrumented callee seen only from CLIENT spans. */
  instrumented: boolean;
  /** true when calls on this edge continued in another trace (traceparent dropped). */
  broken: boolean;
}
