import type { SpanWriter } from '../model/ports.js';
import type { SpanRecord } from '../model/span.js';
import { BatchAggregates, mergeTrace, spanDuration, type TraceAgg, type TraceSummaryState } from './batch.js';
import { DimensionIds } from './dimensions.js';
import type { Db } from './open.js';
import { MinuteStatsWriter } from './minute-stats.js';

const INSERT_SPAN = `INSERT OR IGNORE INTO spans (
  trace_id, span_id, parent_span_id, service, name, kind, start_ns, end_ns, duration_ns, status_code,
  status_message, trace_state, flags, attributes, events, links, dropped_attributes_count,
  dropped_events_count, dropped_links_count, resource_id, scope_id, error
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const TRACE_COLUMNS =
  'start_ns, end_ns, span_count, error_count, root_service, root_name, root_start_ns, has_root, services';

interface TraceRow {
  start_ns: bigint;
  end_ns: bigint;
  span_count: bigint;
  error_count: bigint;
  root_service: string;
  root_name: string;
  root_start_ns: bigint;
  has_root: bigint;
  services: string;
}

function prepareStatements(db: Db) {
  return {
    insertSpan: db.prepare(INSERT_SPAN),
    getTrace: db.prepare(`SELECT ${TRACE_COLUMNS} FROM traces WHERE trace_id = ?`).safeIntegers(true),
    insertTrace: db.prepare(
      `INSERT INTO traces (${TRACE_COLUMNS}, duration_ns, trace_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateTrace: db.prepare(
      `UPDATE traces SET start_ns = ?, end_ns = ?, span_count = ?, error_count = ?, root_service = ?,
       root_name = ?, root_start_ns = ?, has_root = ?, services = ?, duration_ns = ? WHERE trace_id = ?`,
    ),
    insertTraceService: db.prepare(
      'INSERT OR IGNORE INTO trace_services (trace_id, service, start_ns, duration_ns) VALUES (?, ?, ?, ?)',
    ),
    updateTraceServices: db.prepare('UPDATE trace_services SET start_ns = ?, duration_ns = ? WHERE trace_id = ?'),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

export interface WriterOptions {
  /** Distinct resources (and scopes) remembered in memory before the cache starts over. */
  idCacheSize?: number;
}

/**
 * Writes spans and keeps the summaries (traces, trace_services and the per-minute stats) in step, all in one
 * transaction per call: the caller group-commits many requests' spans at once. `INSERT OR IGNORE` on
 * (trace_id, span_id) makes retried exports harmless, and only rows actually inserted reach the summaries.
 */
export class SqliteSpanWriter implements SpanWriter {
  private readonly st: Statements;
  private readonly ids: DimensionIds;
  private readonly minutes: MinuteStatsWriter;
  private readonly tx: (spans: readonly SpanRecord[]) => void;

  constructor(db: Db, options: WriterOptions = {}) {
    this.st = prepareStatements(db);
    this.ids = new DimensionIds(db, options.idCacheSize);
    this.minutes = new MinuteStatsWriter(db);
    this.tx = db.transaction((spans: readonly SpanRecord[]) => this.write(spans));
  }

  writeSpans(spans: readonly SpanRecord[]): void {
    if (spans.length === 0) return;
    try {
      this.tx(spans);
    } catch (err) {
      this.ids.clear(); // the rollback may have removed resource/scope rows the cache points at
      throw err;
    }
  }

  private write(spans: readonly SpanRecord[]): void {
    const agg = new BatchAggregates();
    const insert = this.st.insertSpan;
    for (const r of spans) {
      const duration = spanDuration(r);
      const info = insert.run(
        r.traceId, r.spanId, r.parentSpanId, r.resource.serviceName, r.name, r.kind,
        r.startTimeUnixNano, r.endTimeUnixNano, duration, r.statusCode, r.statusMessage, r.traceState, r.flags,
        r.attributes, r.events, r.links, r.droppedAttributesCount, r.droppedEventsCount, r.droppedLinksCount,
        this.ids.resourceId(r.resource), this.ids.scopeId(r.scope), r.error ? 1 : 0,
      ); // prettier-ignore
      if (info.changes > 0) agg.add(r, duration);
    }
    for (const [traceId, t] of agg.traces) this.flushTrace(agg, traceId, t);
    this.minutes.flush(agg.minutes);
  }

  /** One read and one write of the trace's summary, plus its trace_services rows when they change. */
  private flushTrace(agg: BatchAggregates, traceId: string, t: TraceAgg): void {
    const row = this.st.getTrace.get(traceId) as TraceRow | undefined;
    const stored = row && fromRow(row);
    const { merged: m, newServices, timingChanged } = mergeTrace(stored, t);
    const duration = m.endNs - m.startNs;
    const values = [
      m.startNs, m.endNs, m.spanCount, m.errorCount, m.root.service, m.root.name, m.root.startNs,
      m.root.hasRoot ? 1 : 0, JSON.stringify(m.services), duration, traceId,
    ]; // prettier-ignore
    if (stored) {
      this.st.updateTrace.run(values);
      if (timingChanged) this.st.updateTraceServices.run(m.startNs, duration, traceId);
    } else {
      this.st.insertTrace.run(values);
    }
    for (const service of newServices) {
      const added = this.st.insertTraceService.run(traceId, service, m.startNs, duration).changes;
      agg.minutes.addTraces(service, m.startNs, added);
    }
  }
}

function fromRow(row: TraceRow): TraceSummaryState {
  return {
    startNs: row.start_ns,
    endNs: row.end_ns,
    spanCount: Number(row.span_count),
    errorCount: Number(row.error_count),
    root: { service: row.root_service, name: row.root_name, startNs: row.root_start_ns, hasRoot: row.has_root === 1n },
    services: JSON.parse(row.services) as string[],
  };
}
