import type Database from 'better-sqlite3';
import type { AnalysisReader, DependencyEdge, DependencyGraphRows } from '../model/analysis-ports.js';
import type { Attributes, Nanos, Span, TraceId } from '../model/span.js';
import { NS_PER_MINUTE } from '../model/stats-ports.js';
import type { Db } from './open.js';
import { explainSql } from './reader.js';
import { EdgeKind } from './service-graph.js';

/**
 * The reads behind the broken-link check of a trace (entry_spans) and the service graph (dependency_minutes):
 * both maintained by the writer as spans arrive, so neither reads spans (plan-tested).
 */

export const ENTRIES_SQL = `SELECT e.start_ns, e.end_ns, t.trace_id, e.span_id, e.service, e.kind, e.host, e.port, e.destination, e.error
FROM entry_spans AS e INDEXED BY entry_spans_start
JOIN trace_rows AS t ON t.id = e.trace_ref
WHERE e.start_ns >= @start AND e.start_ns <= @end AND t.trace_id <> @exclude
ORDER BY e.start_ns
LIMIT @limit`;

export const DEPENDENCIES_SQL = `SELECT parent, child, kind, sum(calls) AS calls, sum(errors) AS errors
FROM dependency_minutes WHERE minute >= @from AND minute <= @to GROUP BY parent, child, kind`;

const TRACES_SQL = 'SELECT coalesce(sum(traces), 0) FROM trace_minutes WHERE minute >= @from AND minute <= @to';

/** A trace of a few thousand spans per second still leaves the ±1 s window of one trace under this. */
const DEFAULT_ROOT_LIMIT = 2000;

type EntryRow = [bigint, bigint, Buffer, Buffer, string, bigint, string, bigint | null, string, bigint];

export class SqliteAnalysisReader implements AnalysisReader {
  private readonly entries: Database.Statement;
  private readonly deps: Database.Statement;
  private readonly traces: Database.Statement;

  constructor(private readonly db: Db) {
    this.entries = db.prepare(ENTRIES_SQL).safeIntegers(true).raw(true);
    this.deps = db.prepare(DEPENDENCIES_SQL);
    this.traces = db.prepare(TRACES_SQL).pluck();
  }

  rootSpansBetween(startNs: Nanos, endNs: Nanos, excludeTraceId: TraceId, limit = DEFAULT_ROOT_LIMIT): Span[] {
    const exclude = Buffer.from(excludeTraceId.padStart(32, '0'), 'hex');
    return (this.entries.all({ start: startNs, end: endNs, exclude, limit }) as EntryRow[]).map(entrySpan);
  }

  dependencies(startNs: Nanos, endNs: Nanos): DependencyGraphRows {
    const range = { from: Number(startNs / NS_PER_MINUTE), to: Number(endNs / NS_PER_MINUTE) };
    return this.db.transaction(() => {
      type Row = { parent: string; child: string; kind: number; calls: number; errors: number };
      const edges = (this.deps.all(range) as Row[]).map(
        (r): DependencyEdge => ({
          parent: r.parent,
          child: r.child,
          callCount: r.calls,
          errorCount: r.errors,
          instrumented: r.kind !== EdgeKind.UNINSTRUMENTED,
          broken: r.kind === EdgeKind.BROKEN,
        }),
      );
      edges.sort(byEdge);
      return { edges, traces: this.traces.get(range) as number };
    })();
  }

  /** EXPLAIN QUERY PLAN of each statement, for plan tests. */
  explain(): Record<'entries' | 'dependencies', string[]> {
    return {
      entries: explainSql(this.db, ENTRIES_SQL, { start: 0n, end: 1n, exclude: Buffer.alloc(16), limit: 10 }),
      dependencies: explainSql(this.db, DEPENDENCIES_SQL, { from: 0, to: 1 }),
    };
  }
}

/** The fields the callee matcher reads, as a span: the rest stays empty. */
function entrySpan([start, end, traceId, spanId, service, kind, host, port, destination, error]: EntryRow): Span {
  const attributes: Attributes = {};
  if (host !== '') attributes['server.address'] = host;
  if (port !== null) attributes['server.port'] = Number(port);
  if (destination !== '') attributes['messaging.destination.name'] = destination;
  return {
    traceId: traceId.toString('hex'),
    spanId: spanId.toString('hex'),
    parentSpanId: '',
    traceState: '',
    flags: 0,
    name: '',
    kind: Number(kind),
    service,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    statusCode: 0,
    statusMessage: '',
    error: error === 1n,
    resource: { attributes: { 'service.name': service }, droppedAttributesCount: 0 },
    scope: { name: '', version: '', attributes: {}, droppedAttributesCount: 0 },
  };
}

function byEdge(a: DependencyEdge, b: DependencyEdge): number {
  return cmp(a.parent, b.parent) || cmp(a.child, b.child) || Number(a.broken) - Number(b.broken) || Number(b.instrumented) - Number(a.instrumented);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
