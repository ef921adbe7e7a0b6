import type { ChainResult } from '../analysis/types.js';
import type { AnalysisReader } from '../model/analysis-ports.js';
import type { TraceReader } from '../model/ports.js';
import type { OperationSummary, ServiceSummary, TraceQuery } from '../model/query.js';
import type { Span, TraceId } from '../model/span.js';
import type { IndexedTagValues, IndexedTags, SpansetSearch, SpansetSearchResult } from '../model/traceql.js';
import type { TypedTrace } from '../model/typed.js';
import type { StatsReader } from '../model/stats-ports.js';
import { dependencyGraph, type DependencyGraph } from './dependencies.js';
import { searchTraces, type SearchPage } from './search.js';
import { simulateSampling, type SimulateRequest, type SimulationAnswer } from './simulate.js';
import { serviceStats, type ServiceStatsAnswer } from './stats.js';
import { analysedTrace, chainOf, getTrace, type AnalysedTrace } from './trace.js';
import type { TimeWindow } from './window.js';

/**
 * The query service (Jaeger's querysvc): every read the JSON API, the HTML pages and the CLI show, each written
 * once. Views parse their input (query/params.ts, query/window.ts), make one call here and shape the answer.
 * Synchronous, like the readers under it. An unknown trace is `undefined`: each view words its own 404.
 */
export interface QueryService {
  /** The trace's spans, as stored. */
  trace(id: TraceId): Span[] | undefined;
  /** The trace as it came in, every value's OTLP type kept: what exports (OTLP, Tempo, Jaeger v3) encode. */
  typedTrace(id: TraceId): TypedTrace | undefined;
  /** The trace, its tree (built once) and its analysis, with the candidate traces for broken links. */
  analysedTrace(id: TraceId): AnalysedTrace | undefined;
  /** Does the trace pass through `expect` in order? Broken links to candidate traces explain where it stops. */
  chain(id: TraceId, expect: string[]): ChainResult | undefined;
  /** One page of a validated search (query/search.ts parses one). */
  search(q: TraceQuery): SearchPage;
  services(): ServiceSummary[];
  operations(service: string): OperationSummary[];
  /** The maintained service graph of the window's minutes. */
  dependencies(window: TimeWindow): DependencyGraph;
  /** Statistics per service and operation for the window (all time: the maintained sketches). */
  stats(window: TimeWindow): ServiceStatsAnswer;
  /** TraceQL (query/traceql/ parses it): traces with a matching span, newest first, with the matched spans. */
  spansetSearch(q: SpansetSearch): SpansetSearchResult;
  /** Tag names the store indexes, and one tag's values (Tempo's tag endpoints). */
  tags(): IndexedTags;
  tagValues(tag: { scope: 'resource' | 'span' | 'any' | 'intrinsic'; key: string }, limit: number): IndexedTagValues;
  /** The window's stored traces replayed through a tail policy and head sampling (query/simulate.ts parses the input). */
  simulateSampling(req: SimulateRequest): SimulationAnswer;
}

/** The reader ports the query service reads through, and the clock of the grace period. */
export interface QueryPorts {
  traces: TraceReader;
  analysis: AnalysisReader;
  stats: StatsReader;
  /** Epoch ms. */
  now: () => number;
}

export function createQueryService(ports: QueryPorts): QueryService {
  const { traces, analysis, stats } = ports;
  return {
    trace: (id) => getTrace(traces, id),
    typedTrace: (id) => traces.getTraceTyped(id),
    analysedTrace: (id) => analysedTrace({ traces, analysis }, id),
    chain: (id, expect) => chainOf({ traces, analysis }, id, expect),
    search: (q) => searchTraces(traces, q),
    services: () => traces.services(),
    operations: (service) => traces.operations(service),
    dependencies: (window) => dependencyGraph(analysis, window),
    stats: (window) => serviceStats(stats, window),
    spansetSearch: (q) => traces.searchSpansets(q),
    tags: () => traces.indexedTags(),
    tagValues: (tag, limit) => traces.indexedTagValues(tag, limit),
    simulateSampling: (req) => simulateSampling(traces, req),
  };
}
