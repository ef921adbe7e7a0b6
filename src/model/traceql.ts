import type { Nanos, TraceId } from './span.js';
import type { TraceSummary } from './query.js';

/**
 * The TraceQL subset tracelite answers (query/traceql/ parses it, store/traceql*.ts runs it): one spanset
 * `{ … }` of comparisons joined by `&&` and `||` with parentheses. A trace matches when one of its spans makes the
 * expression true — every `&&` term on that one span, as TraceQL means — and those spans are its matched spans.
 */

export type Intrinsic = 'name' | 'status' | 'kind' | 'duration' | 'statusMessage' | 'rootName' | 'rootServiceName' | 'traceDuration';

export const INTRINSICS: readonly Intrinsic[] = ['duration', 'kind', 'name', 'rootName', 'rootServiceName', 'status', 'statusMessage', 'traceDuration'];

/** An attribute: `resource.k`, `span.k` or unscoped `.k` (the span's own, else its resource's). */
export interface AttributeField {
  type: 'attribute';
  scope: 'resource' | 'span' | 'any';
  key: string;
}

export type Field = { type: 'intrinsic'; name: Intrinsic } | AttributeField;

export type Operator = '=' | '!=' | '>' | '>=' | '<' | '<=' | '=~' | '!~';

export type Literal =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  /** A duration, in nanoseconds. */
  | { type: 'duration'; value: Nanos }
  /** `status = error|ok|unset`: the OTLP status code. */
  | { type: 'status'; value: 0 | 1 | 2 }
  /** `kind = server|…`: the OTLP span kind. */
  | { type: 'kind'; value: number };

export interface Comparison {
  type: 'comparison';
  field: Field;
  op: Operator;
  value: Literal;
  /** `=~`/`!~`: the regex, fully anchored as Tempo's are. */
  regex?: RegExp;
}

export type SpansetExpr = { type: 'and' | 'or'; left: SpansetExpr; right: SpansetExpr } | Comparison | { type: 'true' };

/** A validated TraceQL search (the route parsed and bounded every field). */
export interface SpansetSearch {
  expr: SpansetExpr;
  /** Bounds on the trace's start, inclusive. */
  startNs?: Nanos;
  endNs?: Nanos;
  /** Bounds on the trace's duration, inclusive (Tempo's minDuration/maxDuration). */
  minDurationNs?: Nanos;
  maxDurationNs?: Nanos;
  limit: number;
  /** Matched spans returned per trace (Tempo's `spss`); `matched` counts them all. */
  spansPerSet: number;
}

/** A matched span with the attributes the query named (typed as stored: bigint never, numbers as JS numbers). */
export interface MatchedSpan {
  spanId: string;
  name: string;
  startTimeUnixNano: Nanos;
  durationNs: Nanos;
  attributes: Array<{ key: string; value: string | number | boolean }>;
}

export interface SpansetMatch {
  trace: TraceSummary;
  spans: MatchedSpan[];
  matched: number;
  /** Spans and failed spans per service in the trace. */
  serviceStats: Record<string, { spanCount: number; errorCount: number }>;
}

export interface SpansetSearchResult {
  traces: SpansetMatch[];
  /** Traces whose spans were read for the exact check. */
  inspectedTraces: number;
  /** Why matches may be missing: conditions the indexes cannot narrow were checked on a bounded window of candidates. */
  incomplete?: string;
}

/** Attribute keys the store indexes, by scope (Tempo's tag names). */
export interface IndexedTags {
  resource: string[];
  span: string[];
}

/** A tag's values as the store indexes them (text forms); `indexed` false: the key is not indexed, so none are listed. */
export interface IndexedTagValues {
  values: string[];
  indexed: boolean;
}

export type { TraceId };
