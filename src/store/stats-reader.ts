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
import { ALPHA, DenseSketch, DurationSketch } from './sketch.js';

/**
 * Request statistics per service and operation, summed from the rows the writer keeps per minute and per hour:
 * a window reads the whole hours inside it from op_hours and its partial hours at either end from op_minutes;
 * all time reads the hours from the first stored to the last. Retention deletes whole minutes, so the hour holding
 * its floor still counts deleted minutes: that hour is read from its minutes, and nothing deleted is ever counted.
 * Neither touches spans. A call's callee is shown as the service that answers at its address, when one was seen.
 */

const COLUMNS = 'service, name, kind, role, callee, spans, errors, sketch';
export const WINDOW_SQL = `SELECT ${COLUMNS} FROM op_minutes INDEXED BY op_minutes_minute WHERE minute BETWEEN @from AND @to`;
export const HOURS_SQL = `SELECT ${COLUMNS} FROM op_hours INDEXED BY op_hours_hour WHERE hour BETWEEN @from AND @to`;
// One service's rows, by the primary key's first column.
const SERVICE_MINUTES_SQL = `SELECT ${COLUMNS} FROM op_minutes WHERE service = @service AND minute BETWEEN @from AND @to`;
const SERVICE_HOURS_SQL = `SELECT ${COLUMNS} FROM op_hours WHERE service = @service AND hour BETWEEN @from AND @to`;
const COUNTS = 'SELECT service, role, sum(spans) AS spans, sum(errors) AS errors FROM';
const MINUTE_COUNTS_SQL = `${COUNTS} op_minutes INDEXED BY op_minutes_minute WHERE minute BETWEEN @from AND @to GROUP BY service, role`;
const HOUR_COUNTS_SQL = `${COUNTS} op_hours INDEXED BY op_hours_hour WHERE hour BETWEEN @from AND @to GROUP BY service, role`;
const MINUTE_TRACES_SQL = 'SELECT service, sum(traces) AS traces FROM service_minutes INDEXED BY service_minutes_minute WHERE minute BETWEEN @from AND @to GROUP BY service';
const HOUR_TRACES_SQL = 'SELECT service, sum(traces) AS traces FROM service_hours INDEXED BY service_hours_hour WHERE hour BETWEEN @from AND @to GROUP BY service';
// Subqueries: each takes one index entry or key (min and max together would scan the index).
const SPAN_SQL = `SELECT (SELECT min(minute) FROM op_minutes) AS first, (SELECT max(minute) FROM op_minutes) AS last,
  (SELECT value FROM store_meta WHERE key = 'stats_floor_minute') AS floor`;
const ENDPOINTS_SQL = 'SELECT address, service FROM endpoints';

type Range = { from: number; to: number };
export type StatsParts = { hours: Range[]; minutes: Range[] };

/**
 * Minutes [from, to] as the whole hours inside them and the minutes of the rest. `minutesOf`: an hour to read
 * from its minutes even when whole (the one retention's floor cuts).
 */
export function splitMinutes(from: number, to: number, minutesOf?: number): StatsParts {
  const firstHour = Math.ceil(from / 60);
  const lastHour = Math.floor((to + 1) / 60) - 1;
  if (firstHour > lastHour) return { hours: [], minutes: [{ from, to }] };
  const minutes: Range[] = [];
  if (from < firstHour * 60) minutes.push({ from, to: firstHour * 60 - 1 });
  if ((lastHour + 1) * 60 <= to) minutes.push({ from: (lastHour + 1) * 60, to });
  if (minutesOf === undefined || minutesOf < firstHour || minutesOf > lastHour) return { hours: [{ from: firstHour, to: lastHour }], minutes };
  const hours = [{ from: firstHour, to: minutesOf - 1 }, { from: minutesOf + 1, to: lastHour }].filter((h) => h.from <= h.to);
  minutes.push({ from: minutesOf * 60, to: minutesOf * 60 + 59 });
  return { hours, minutes };
}

const GAMMA = (1 + ALPHA) / (1 - ALPHA);

/** A row of COLUMNS, read raw (arrays are cheaper than objects over thousands of rows). */
type Row = [service: string, name: string, kind: number, role: number, callee: string, spans: number, errors: number, sketch: Uint8Array];

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
  private readonly st: Record<
    'minutes' | 'hours' | 'serviceMinutes' | 'serviceHours' | 'minuteCounts' | 'hourCounts' | 'minuteTraces' | 'hourTraces' | 'span' | 'endpoints',
    Database.Statement
  >;

  constructor(private readonly db: Db) {
    this.st = {
      minutes: db.prepare(WINDOW_SQL).raw(true),
      hours: db.prepare(HOURS_SQL).raw(true),
      serviceMinutes: db.prepare(SERVICE_MINUTES_SQL).raw(true),
      serviceHours: db.prepare(SERVICE_HOURS_SQL).raw(true),
      minuteCounts: db.prepare(MINUTE_COUNTS_SQL),
      hourCounts: db.prepare(HOUR_COUNTS_SQL),
      minuteTraces: db.prepare(MINUTE_TRACES_SQL),
      hourTraces: db.prepare(HOUR_TRACES_SQL),
      span: db.prepare(SPAN_SQL),
      endpoints: db.prepare(ENDPOINTS_SQL).raw(true),
    };
  }

  serviceStats(w?: StatsWindow): ServiceStats[] {
    // One read transaction, so the rows, trace counts and endpoints agree while ingest keeps writing.
    return this.db.transaction(() => {
      const parts = this.parts(w);
      if (!parts) return [];
      const traces = new Map<string, number>();
      for (const r of this.fromParts<{ service: string; traces: number }>(parts, 'minuteTraces', 'hourTraces')) {
        traces.set(r.service, (traces.get(r.service) ?? 0) + r.traces);
      }
      const byService = this.sum(this.fromParts<Row>(parts, 'minutes', 'hours'));
      return [...byService]
        .map(([name, accs]) => serviceStats(name, accs, traces.get(name) ?? 0))
        .sort((a, b) => cmp(a.name, b.name));
    })();
  }

  /** Requests, errors and span counts per service, all time, without reading a sketch. */
  services(): ServiceSummary[] {
    const parts = this.parts(undefined);
    if (!parts) return [];
    const byName = new Map<string, ServiceSummary>();
    for (const r of this.fromParts<{ service: string; role: number; spans: number; errors: number }>(parts, 'minuteCounts', 'hourCounts')) {
      let s = byName.get(r.service);
      if (!s) byName.set(r.service, (s = { name: r.service, requests: 0, errors: 0, spanCount: 0, errorSpanCount: 0, traceCount: 0 }));
      s.spanCount += r.spans;
      s.errorSpanCount += r.errors;
      if (r.role === Role.ENTRY) {
        s.requests += r.spans;
        s.errors += r.errors;
      }
    }
    for (const r of this.fromParts<{ service: string; traces: number }>(parts, 'minuteTraces', 'hourTraces')) {
      const s = byName.get(r.service);
      if (s) s.traceCount += r.traces;
    }
    return [...byName.values()].sort((a, b) => cmp(a.name, b.name));
  }

  /** One service's operations, all time. */
  operations(service: string): OperationSummary[] {
    const parts = this.parts(undefined);
    if (!parts) return [];
    const accs = this.sum(this.fromParts<Row>(parts, 'serviceMinutes', 'serviceHours', { service })).get(service) ?? [];
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

  /** EXPLAIN QUERY PLAN of the windowed reads, for plan tests. */
  explain(): string[] {
    return [...explainSql(this.db, WINDOW_SQL, { from: 0, to: 1 }), ...explainSql(this.db, HOURS_SQL, { from: 0, to: 1 })];
  }

  /** The window's whole hours and the minutes of the rest; all time: every hour stored. undefined: nothing to read. */
  private parts(w: StatsWindow | undefined): StatsParts | undefined {
    const span = this.st.span.get() as { first: number | null; last: number | null; floor: number | null };
    if (span.first === null || span.last === null) return undefined;
    let from = w ? minuteOf(w.startNs) : span.first;
    let to = w ? minuteOf(w.endNs) : span.last;
    // Nothing is stored before the first minute or after the last: their hours can be read whole.
    if (from <= span.first) from = Math.floor(span.first / 60) * 60;
    if (to >= span.last) to = Math.floor(span.last / 60) * 60 + 59;
    if (from > to) return undefined;
    const cut = span.floor !== null && span.floor % 60 !== 0 ? Math.floor(span.floor / 60) : undefined;
    return splitMinutes(from, to, cut);
  }

  /** Rows of the minute statement over the minute ranges and of the hour statement over the hour ranges. */
  private *fromParts<T>(
    parts: StatsParts,
    minutes: 'minutes' | 'serviceMinutes' | 'minuteCounts' | 'minuteTraces',
    hours: 'hours' | 'serviceHours' | 'hourCounts' | 'hourTraces',
    extra: Record<string, unknown> = {},
  ): Iterable<T> {
    for (const m of parts.minutes) yield* this.st[minutes].all({ ...m, ...extra }) as T[];
    for (const h of parts.hours) yield* this.st[hours].all({ ...h, ...extra }) as T[];
  }

  /** Rows summed per service and operation, callees resolved to the service answering at their address. */
  private sum(rows: Iterable<Row>): Map<string, Acc[]> {
    const owner = new Map(this.st.endpoints.all() as Array<[string, string]>);
    const byService = new Map<string, Map<string, Omit<Acc, 'sketch'> & { dense: DenseSketch }>>();
    for (const [service, name, kind, role, rawCallee, spans, errors, sketch] of rows) {
      const callee = rawCallee === '' ? '' : (owner.get(labelEndpoint(rawCallee)) ?? rawCallee);
      let ops = byService.get(service);
      if (!ops) byService.set(service, (ops = new Map()));
      const key = `${role}\u0000${kind}\u0000${name}\u0000${callee}`;
      let acc = ops.get(key);
      if (!acc) ops.set(key, (acc = { name, kind, role, callee, spans: 0, errors: 0, dense: new DenseSketch() }));
      acc.spans += spans;
      acc.errors += errors;
      acc.dense.mergeEncoded(sketch);
    }
    return new Map(
      [...byService].map(([name, ops]) => [name, [...ops.values()].map(({ dense, ...acc }) => ({ ...acc, sketch: dense.toSketch() }))]),
    );
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
