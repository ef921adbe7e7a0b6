import type Database from 'better-sqlite3';
import type { OperationSummary, ServiceSummary } from '../model/query.js';
import { callLabel, labelEndpoint } from '../model/semconv.js';
import {
  LATENCY_BUCKET_BOUNDS_NS,
  type LatencyStats,
  type OperationStats,
  type ServiceStats,
  type StatsReader,
  type StatsWindow,
} from '../model/stats-ports.js';
import { minuteOf, ROLE_NAMES, Role } from './minute-stats.js';
import type { Db } from './open.js';
import { explainSql } from './reader.js';
import { ALPHA, DurationSketch } from './sketch.js';

/**
 * Request statistics per service and operation, summed from the per-minute rows the writer keeps
 * (migration 003): a window reads its minutes through op_minutes_minute, all time reads every row; neither
 * touches spans. A call's callee is shown as the service that answers at its address, when one was seen there.
 */

const COLUMNS = 'service, name, kind, role, callee, spans, errors, sketch';
export const WINDOW_SQL = `SELECT ${COLUMNS} FROM op_minutes INDEXED BY op_minutes_minute WHERE minute BETWEEN @from AND @to`;
const ALL_SQL = `SELECT ${COLUMNS} FROM op_minutes`;
const SERVICE_SQL = `SELECT ${COLUMNS} FROM op_minutes WHERE service = @service`;
const COUNTS_SQL = `SELECT service, role, sum(spans) AS spans, sum(errors) AS errors FROM op_minutes GROUP BY service, role`;
const TRACES_SQL = 'SELECT service, sum(traces) AS traces FROM service_minutes GROUP BY service';
const WINDOW_TRACES_SQL = 'SELECT service, sum(traces) AS traces FROM service_minutes WHERE minute BETWEEN @from AND @to GROUP BY service';
const ENDPOINTS_SQL = 'SELECT address, service FROM endpoints';

const GAMMA = (1 + ALPHA) / (1 - ALPHA);

type Row = { service: string; name: string; kind: number; role: number; callee: string; spans: number; errors: number; sketch: Uint8Array };

/** One operation while its minutes are summed. */
interface Acc {
  name: string;
  kind: number;
  role: number;
  callee: string;
  spans: number;
  errors: number;
  sketch: DurationSketch;
}

export class SqliteStatsReader implements StatsReader {
  private readonly window: Database.Statement;
  private readonly all: Database.Statement;
  private readonly ofService: Database.Statement;
  private readonly counts: Database.Statement;
  private readonly traces: Database.Statement;
  private readonly windowTraces: Database.Statement;
  private readonly endpoints: Database.Statement;

  constructor(private readonly db: Db) {
    this.window = db.prepare(WINDOW_SQL);
    this.all = db.prepare(ALL_SQL);
    this.ofService = db.prepare(SERVICE_SQL);
    this.counts = db.prepare(COUNTS_SQL);
    this.traces = db.prepare(TRACES_SQL);
    this.windowTraces = db.prepare(WINDOW_TRACES_SQL);
    this.endpoints = db.prepare(ENDPOINTS_SQL).raw(true);
  }

  serviceStats(w?: StatsWindow): ServiceStats[] {
    const range = w && { from: minuteOf(w.startNs), to: minuteOf(w.endNs) };
    // One read transaction, so the rows, trace counts and endpoints agree while ingest keeps writing.
    return this.db.transaction(() => {
      const rows = (range ? this.window.iterate(range) : this.all.iterate()) as Iterable<Row>;
      const traces = new Map(
        ((range ? this.windowTraces.all(range) : this.traces.all()) as Array<{ service: string; traces: number }>).map((r) => [r.service, r.traces]),
      );
      const byService = this.sum(rows);
      return [...byService]
        .map(([name, accs]) => serviceStats(name, accs, traces.get(name) ?? 0))
        .sort((a, b) => cmp(a.name, b.name));
    })();
  }

  /** Requests, errors and span counts per service, all time, without reading a sketch. */
  services(): ServiceSummary[] {
    const byName = new Map<string, ServiceSummary>();
    for (const r of this.counts.all() as Array<{ service: string; role: number; spans: number; errors: number }>) {
      let s = byName.get(r.service);
      if (!s) byName.set(r.service, (s = { name: r.service, requests: 0, errors: 0, spanCount: 0, errorSpanCount: 0, traceCount: 0 }));
      s.spanCount += r.spans;
      s.errorSpanCount += r.errors;
      if (r.role === Role.ENTRY) {
        s.requests += r.spans;
        s.errors += r.errors;
      }
    }
    for (const r of this.traces.all() as Array<{ service: string; traces: number }>) {
      const s = byName.get(r.service);
      if (s) s.traceCount = r.traces;
    }
    return [...byName.values()].sort((a, b) => cmp(a.name, b.name));
  }

  /** One service's operations, all time. */
  operations(service: string): OperationSummary[] {
    const accs = this.sum(this.ofService.iterate({ service }) as Iterable<Row>).get(service) ?? [];
    return operationStats(accs).map((o) => ({
      name: o.name,
      kind: o.kind,
      role: o.role,
      callee: o.callee,
      label: o.label,
      spanCount: o.count,
      errorCount: o.errors,
      p50Ns: o.p50Ns,
      p95Ns: o.p95Ns,
      p99Ns: o.p99Ns,
    }));
  }

  /** EXPLAIN QUERY PLAN of the windowed read, for plan tests. */
  explain(): string[] {
    return explainSql(this.db, WINDOW_SQL, { from: 0, to: 1 });
  }

  /** Rows summed per service and operation, callees resolved to the service answering at their address. */
  private sum(rows: Iterable<Row>): Map<string, Acc[]> {
    const owner = new Map(this.endpoints.all() as Array<[string, string]>);
    const byService = new Map<string, Map<string, Acc>>();
    for (const r of rows) {
      const callee = r.callee === '' ? '' : (owner.get(labelEndpoint(r.callee)) ?? r.callee);
      let ops = byService.get(r.service);
      if (!ops) byService.set(r.service, (ops = new Map()));
      const key = `${r.role}\u0000${r.kind}\u0000${r.name}\u0000${callee}`;
      let acc = ops.get(key);
      if (!acc) ops.set(key, (acc = { name: r.name, kind: r.kind, role: r.role, callee, spans: 0, errors: 0, sketch: new DurationSketch() }));
      acc.spans += r.spans;
      acc.errors += r.errors;
      acc.sketch.merge(DurationSketch.decode(r.sketch));
    }
    return new Map([...byService].map(([name, ops]) => [name, [...ops.values()]]));
  }
}

function serviceStats(name: string, accs: Acc[], traceCount: number): ServiceStats {
  const requests = new DurationSketch();
  let errors = 0;
  let spanCount = 0;
  let errorSpanCount = 0;
  for (const a of accs) {
    spanCount += a.spans;
    errorSpanCount += a.errors;
    if (a.role !== Role.ENTRY) continue;
    requests.merge(a.sketch);
    errors += a.errors;
  }
  return { name, ...latency(requests, errors), spanCount, errorSpanCount, traceCount, operations: operationStats(accs) };
}

function operationStats(accs: Acc[]): OperationStats[] {
  return accs
    .map((a) => ({
      name: a.name,
      kind: a.kind,
      role: ROLE_NAMES[a.role] ?? 'internal',
      callee: a.callee,
      label: a.role === Role.CALL ? callLabel(a.name, a.callee) : a.name,
      ...latency(a.sketch, a.errors),
    }))
    .sort((a, b) => ROLE_NAMES.indexOf(a.role) - ROLE_NAMES.indexOf(b.role) || cmp(a.label, b.label) || a.kind - b.kind);
}

/** Quantiles and the fixed log-scale histogram from one sketch. */
export function latency(sketch: DurationSketch, errors: number): LatencyStats {
  const [p50, p95, p99] = sketch.quantiles([0.5, 0.95, 0.99]);
  const histogram = new Array<number>(LATENCY_BUCKET_BOUNDS_NS.length + 1).fill(0);
  histogram[0] += sketch.zeroCount;
  for (const [i, count] of sketch.bins) {
    // The value a bin answers with, as quantile() does; within 1 % of every value in the bin.
    const value = (2 * Math.pow(GAMMA, i)) / (GAMMA + 1);
    const b = LATENCY_BUCKET_BOUNDS_NS.findIndex((bound) => value <= bound);
    histogram[b === -1 ? LATENCY_BUCKET_BOUNDS_NS.length : b] += count;
  }
  return {
    count: sketch.count,
    errors,
    p50Ns: Math.round(p50),
    p95Ns: Math.round(p95),
    p99Ns: Math.round(p99),
    histogram,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
