import type Database from 'better-sqlite3';
import type { AnalysisReader, DependencySource, ServiceCall } from '../model/analysis-ports.js';
import type { Nanos, Span, TraceId } from '../model/span.js';
import type { Db } from './open.js';
import { explainSql, SPAN_COLUMNS as READER_SPAN_COLUMNS, toSpan } from './reader.js';

/**
 * The reads behind trace analysis and the dependency graph. Every statement reaches spans through
 * spans_trace_span after finding traces by traces_start, so none scans the spans table (plan-tested).
 */

type SpanRow = Parameters<typeof toSpan>[1];
/** A span row as toSpan reads it, followed by the trace id (GET_TRACE_SQL knows it, these queries do not). */
type SpanRowWithTrace = [...SpanRow, TraceId];

/** The span columns toSpan reads, then the trace id (GET_TRACE_SQL knows it; these queries do not). */
const SPAN_COLUMNS = `${READER_SPAN_COLUMNS}, s.trace_id`;

const DIMENSION_JOINS = `LEFT JOIN resources AS r ON r.id = s.resource_id
LEFT JOIN scopes AS sc ON sc.id = s.scope_id`;

/** Parentless, or orphaned within its own trace: the parent lives in another trace or never arrived. */
const ROOT_LIKE = `s.kind IN (2, 5) AND (s.parent_span_id = '' OR NOT EXISTS (
  SELECT 1 FROM spans AS p INDEXED BY spans_trace_span WHERE p.trace_id = s.trace_id AND p.span_id = s.parent_span_id))`;

export const ROOTS_BETWEEN_SQL = `SELECT ${SPAN_COLUMNS}
FROM traces AS t INDEXED BY traces_start
JOIN spans AS s INDEXED BY spans_trace_span ON s.trace_id = t.trace_id
${DIMENSION_JOINS}
WHERE t.start_ns >= @start AND t.start_ns <= @end AND t.trace_id <> @exclude AND ${ROOT_LIKE}
ORDER BY t.start_ns, t.trace_id
LIMIT @limit`;

/** The newest `limit` traces starting in [start, end): the dependency statements all work on this set. */
const WINDOW = `WITH w AS (
  SELECT trace_id FROM traces INDEXED BY traces_start
  WHERE start_ns >= @start AND start_ns < @end ORDER BY start_ns DESC, trace_id DESC LIMIT @limit)`;


export const SERVICE_CALLS_SQL = `${WINDOW}
SELECT p.service AS parent, c.service AS child, count(*) AS callCount, sum(c.error) AS errorCount
FROM w
JOIN spans AS c INDEXED BY spans_trace_span ON c.trace_id = w.trace_id
JOIN spans AS p INDEXED BY spans_trace_span ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
WHERE c.parent_span_id <> '' AND c.service <> p.service
GROUP BY p.service, c.service`;

export const LEAF_CLIENTS_SQL = `${WINDOW}
SELECT ${SPAN_COLUMNS}
FROM w
JOIN spans AS s INDEXED BY spans_trace_span ON s.trace_id = w.trace_id
${DIMENSION_JOINS}
WHERE s.kind IN (3, 4) AND NOT EXISTS (
  SELECT 1 FROM spans AS ch INDEXED BY spans_trace_span WHERE ch.trace_id = s.trace_id AND ch.parent_span_id = s.span_id)`;

const WINDOW_COUNT_SQL = `SELECT count(*) FROM traces INDEXED BY traces_start WHERE start_ns >= @start AND start_ns < @end`;

export const WINDOW_ROOTS_SQL = `${WINDOW}
SELECT ${SPAN_COLUMNS}
FROM w
JOIN spans AS s INDEXED BY spans_trace_span ON s.trace_id = w.trace_id
${DIMENSION_JOINS}
WHERE ${ROOT_LIKE}`;

/** A trace of a few thousand spans per second still leaves the ±1 s window of one trace under this. */
const DEFAULT_ROOT_LIMIT = 2000;
/** Traces per dependency graph: an hour of a small system; busier ones get the newest traces of the window. */
const DEFAULT_TRACE_LIMIT = 10_000;

export class SqliteAnalysisReader implements AnalysisReader {
  private readonly rootsBetween: Database.Statement;
  private readonly serviceCalls: Database.Statement;
  private readonly leafClients: Database.Statement;
  private readonly windowRoots: Database.Statement;
  private readonly windowCount: Database.Statement;

  constructor(private readonly db: Db) {
    this.rootsBetween = db.prepare(ROOTS_BETWEEN_SQL).safeIntegers(true).raw(true);
    this.serviceCalls = db.prepare(SERVICE_CALLS_SQL);
    this.leafClients = db.prepare(LEAF_CLIENTS_SQL).safeIntegers(true).raw(true);
    this.windowRoots = db.prepare(WINDOW_ROOTS_SQL).safeIntegers(true).raw(true);
    this.windowCount = db.prepare(WINDOW_COUNT_SQL).pluck();
  }

  rootSpansBetween(startNs: Nanos, endNs: Nanos, excludeTraceId: TraceId, limit = DEFAULT_ROOT_LIMIT): Span[] {
    return toSpans(this.rootsBetween.all({ start: startNs, end: endNs, exclude: excludeTraceId, limit }));
  }

  dependencyInputs(startNs: Nanos, endNs: Nanos, limit = DEFAULT_TRACE_LIMIT): DependencySource {
    const params = { start: startNs, end: endNs, limit };
    // One read transaction, so the three statements see the same traces while ingest keeps writing.
    return this.db.transaction(() => {
      const tracesInWindow = this.windowCount.get({ start: startNs, end: endNs }) as number;
      return {
        calls: this.serviceCalls.all(params) as ServiceCall[],
        leafClients: toSpans(this.leafClients.all(params)),
        roots: toSpans(this.windowRoots.all(params)),
        traces: Math.min(tracesInWindow, limit),
        tracesInWindow,
      };
    })();
  }

  /** EXPLAIN QUERY PLAN of each statement, for plan tests. */
  explain(): Record<'rootsBetween' | 'serviceCalls' | 'leafClients' | 'windowRoots', string[]> {
    const window = { start: 0n, end: 1n, limit: 10 };
    return {
      rootsBetween: explainSql(this.db, ROOTS_BETWEEN_SQL, { ...window, exclude: '' }),
      serviceCalls: explainSql(this.db, SERVICE_CALLS_SQL, window),
      leafClients: explainSql(this.db, LEAF_CLIENTS_SQL, window),
      windowRoots: explainSql(this.db, WINDOW_ROOTS_SQL, window),
    };
  }
}

function toSpans(rows: unknown[]): Span[] {
  // Spans of different traces rarely share a parsed resource object, but within a window most do: share them.
  const resources = new Map<bigint, Span['resource']>();
  const scopes = new Map<bigint, Span['scope']>();
  return (rows as SpanRowWithTrace[]).map((row) => toSpan(row[26], row as unknown as SpanRow, resources, scopes));
}
