import type Database from 'better-sqlite3';
import type { TraceReader } from '../model/ports.js';
import type { OperationSummary, ServiceSummary, TraceQuery, TraceSummary } from '../model/query.js';
import type { Attributes, EventJson, Span, SpanEvent, SpanLink, TraceId } from '../model/span.js';
import type { Db } from './open.js';
import { buildSearchSql } from './search-sql.js';
import { DurationSketch } from './sketch.js';

/** Whole-trace read through spans_trace_span; LEFT JOINs pin spans as the outer loop (and tolerate a gap). */
export const GET_TRACE_SQL = `SELECT s.span_id, s.parent_span_id, s.trace_state, s.flags, s.name, s.kind, s.service,
  s.start_ns, s.end_ns, s.attributes, s.dropped_attributes_count, s.events, s.dropped_events_count, s.links,
  s.dropped_links_count, s.status_code, s.status_message,
  s.resource_id, r.attributes AS resource_attributes, r.dropped_attributes_count AS resource_dropped,
  s.scope_id, sc.name AS scope_name, sc.version AS scope_version, sc.attributes AS scope_attributes,
  sc.dropped_attributes_count AS scope_dropped
FROM spans AS s INDEXED BY spans_trace_span
LEFT JOIN resources AS r ON r.id = s.resource_id
LEFT JOIN scopes AS sc ON sc.id = s.scope_id
WHERE s.trace_id = ?
ORDER BY s.start_ns, s.span_id`;

/** Every integer comes back as bigint (safeIntegers); small counts are converted with Number(). */
interface SpanRow {
  span_id: string;
  parent_span_id: string;
  trace_state: string;
  flags: bigint;
  name: string;
  kind: bigint;
  service: string;
  start_ns: bigint;
  end_ns: bigint;
  attributes: string;
  dropped_attributes_count: bigint;
  events: string;
  dropped_events_count: bigint;
  links: string;
  dropped_links_count: bigint;
  status_code: bigint;
  status_message: string;
  resource_id: bigint;
  resource_attributes: string | null;
  resource_dropped: bigint | null;
  scope_id: bigint;
  scope_name: string | null;
  scope_version: string | null;
  scope_attributes: string | null;
  scope_dropped: bigint | null;
}

interface SummaryRow {
  trace_id: string;
  start_ns: bigint;
  duration_ns: bigint;
  span_count: bigint;
  error_count: bigint;
  root_service: string;
  root_name: string;
  services: string;
}

/** Most distinct search shapes seen in practice are a handful; the cap only guards against odd attr counts. */
const MAX_CACHED_SEARCHES = 256;

export class SqliteTraceReader implements TraceReader {
  private readonly getTraceStmt: Database.Statement;
  private readonly servicesStmt: Database.Statement;
  private readonly operationsStmt: Database.Statement;
  private readonly searches = new Map<string, Database.Statement>();

  constructor(private readonly db: Db) {
    this.getTraceStmt = db.prepare(GET_TRACE_SQL).safeIntegers(true);
    this.servicesStmt = db.prepare(
      'SELECT name, span_count AS spanCount, trace_count AS traceCount, error_count AS errorCount FROM services ORDER BY name',
    );
    this.operationsStmt = db.prepare(
      'SELECT name, kind, span_count, error_count, sketch FROM operations WHERE service = ? ORDER BY name, kind',
    );
  }

  getTrace(id: TraceId): Span[] {
    const rows = this.getTraceStmt.all(id) as SpanRow[];
    // Spans of one trace share a few resources and scopes: parse each once and share the object.
    const resources = new Map<bigint, Span['resource']>();
    const scopes = new Map<bigint, Span['scope']>();
    return rows.map((row) => toSpan(id, row, resources, scopes));
  }

  findTraces(q: TraceQuery): TraceSummary[] {
    const { shape, sql, params } = buildSearchSql(q);
    let stmt = this.searches.get(shape);
    if (!stmt) {
      if (this.searches.size >= MAX_CACHED_SEARCHES) this.searches.clear();
      stmt = this.db.prepare(sql).safeIntegers(true);
      this.searches.set(shape, stmt);
    }
    return (stmt.all(params) as SummaryRow[]).map(toSummary);
  }

  /** EXPLAIN QUERY PLAN details of the exact statement findTraces(q) runs; for plan tests and debugging. */
  explain(q: TraceQuery): string[] {
    const { sql, params } = buildSearchSql(q);
    return explainSql(this.db, sql, params);
  }

  services(): ServiceSummary[] {
    return this.servicesStmt.all() as ServiceSummary[];
  }

  operations(service: string): OperationSummary[] {
    type Row = { name: string; kind: number; span_count: number; error_count: number; sketch: Uint8Array };
    return (this.operationsStmt.all(service) as Row[]).map((row) => {
      const sketch = DurationSketch.decode(row.sketch);
      return {
        name: row.name,
        kind: row.kind,
        spanCount: row.span_count,
        errorCount: row.error_count,
        p50Ns: Math.round(sketch.quantile(0.5)),
        p95Ns: Math.round(sketch.quantile(0.95)),
        p99Ns: Math.round(sketch.quantile(0.99)),
      };
    });
  }
}

/** EXPLAIN QUERY PLAN detail lines of `sql` bound with `params`. */
export function explainSql(db: Db, sql: string, params: unknown): string[] {
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>;
  return rows.map((r) => r.detail);
}

export interface StoreStats {
  spans: number;
  traces: number;
  resources: number;
  scopes: number;
}

/** Row counts (full counts: for tests, benchmarks and status pages, not hot paths). */
export function storeStats(db: Db): StoreStats {
  const count = (table: string): number =>
    db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  return { spans: count('spans'), traces: count('traces'), resources: count('resources'), scopes: count('scopes') };
}

function toSummary(row: SummaryRow): TraceSummary {
  return {
    traceId: row.trace_id,
    rootService: row.root_service,
    rootName: row.root_name,
    startTimeUnixNano: row.start_ns,
    durationNs: row.duration_ns,
    spanCount: Number(row.span_count),
    errorCount: Number(row.error_count),
    services: JSON.parse(row.services) as string[],
  };
}

function toSpan(
  traceId: TraceId,
  row: SpanRow,
  resources: Map<bigint, Span['resource']>,
  scopes: Map<bigint, Span['scope']>,
): Span {
  let resource = resources.get(row.resource_id);
  if (!resource) {
    resource = { attributes: parseAttrs(row.resource_attributes), droppedAttributesCount: Number(row.resource_dropped ?? 0) };
    resources.set(row.resource_id, resource);
  }
  let scope = scopes.get(row.scope_id);
  if (!scope) {
    scope = {
      name: row.scope_name ?? '',
      version: row.scope_version ?? '',
      attributes: parseAttrs(row.scope_attributes),
      droppedAttributesCount: Number(row.scope_dropped ?? 0),
    };
    scopes.set(row.scope_id, scope);
  }
  return {
    traceId,
    spanId: row.span_id,
    parentSpanId: row.parent_span_id,
    traceState: row.trace_state,
    flags: Number(row.flags),
    name: row.name,
    kind: Number(row.kind),
    service: row.service,
    startTimeUnixNano: row.start_ns,
    endTimeUnixNano: row.end_ns,
    attributes: parseAttrs(row.attributes),
    droppedAttributesCount: Number(row.dropped_attributes_count),
    events: (JSON.parse(row.events) as EventJson[]).map(toEvent),
    droppedEventsCount: Number(row.dropped_events_count),
    links: JSON.parse(row.links) as SpanLink[],
    droppedLinksCount: Number(row.dropped_links_count),
    statusCode: Number(row.status_code),
    statusMessage: row.status_message,
    resource,
    scope,
  };
}

function parseAttrs(json: string | null): Attributes {
  return json === null ? {} : (JSON.parse(json) as Attributes);
}

function toEvent(e: EventJson): SpanEvent {
  return {
    name: e.name,
    timeUnixNano: BigInt(e.timeUnixNano),
    attributes: e.attributes,
    droppedAttributesCount: e.droppedAttributesCount,
  };
}
