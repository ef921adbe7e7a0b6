import type { Nanos, TraceId } from './span.js';

/** A validated trace search. Every field is already checked by the route. */
export interface TraceQuery {
  service?: string;
  /** Matches the name of any span of `service` in the trace (or of any span when no service is given). */
  operation?: string;
  /** Bounds on the trace's duration, inclusive. */
  minDurationNs?: Nanos;
  maxDurationNs?: Nanos;
  /** Bounds on the trace's start time, inclusive. */
  startNs?: Nanos;
  endNs?: Nanos;
  /** Only traces with at least one span whose status is ERROR. */
  errorOnly: boolean;
  /** The trace also contains each of these services (with `service`, a map edge's parent → child pair). */
  alsoServices?: readonly string[];
  /** AND of span-or-resource attribute matches; a value matches its text form (`true`, `500`, `GET`). */
  attrs: ReadonlyArray<{ key: string; value: string }>;
  limit: number;
  /** Continue strictly after this position in (start desc, traceId desc) order. */
  after?: { startNs: Nanos; traceId: TraceId };
}

/**
 * A search's matches. `incomplete` says why they may not be all: a filter on an attribute that is not indexed
 * is checked on a bounded number of candidate traces (store/search.ts).
 */
export type TraceSearchResult = TraceSummary[] & { incomplete?: string };

export interface TraceSummary {
  traceId: TraceId;
  /** Service and name of the root span; of the earliest span while no root has arrived. */
  rootService: string;
  rootName: string;
  startTimeUnixNano: Nanos;
  durationNs: Nanos;
  spanCount: number;
  errorCount: number;
  services: string[];
}

/** A service, all time: its requests are its entry spans (model/stats-ports.ts). */
export interface ServiceSummary {
  name: string;
  requests: number;
  /** Failed requests. */
  errors: number;
  spanCount: number;
  errorSpanCount: number;
  traceCount: number;
}

export interface OperationSummary {
  name: string;
  kind: number;
  role: 'entry' | 'call' | 'internal';
  /** For calls: whom they called (the service answering at that address, else peer name or host:port). */
  callee: string;
  /** "GET /checkout", or for a call "GET → inventory". */
  label: string;
  spanCount: number;
  errorCount: number;
  /** Span duration percentiles in nanoseconds (within 1 % relative error). */
  p50Ns: number;
  p95Ns: number;
  p99Ns: number;
}
