import type Database from 'better-sqlite3';
import {
  LATENCY_BUCKET_BOUNDS_NS,
  type LatencyStats,
  type OperationStats,
  type ServiceStats,
  type ServiceStatsResult,
  type StatsReader,
} from '../model/stats-ports.js';
import type { Nanos } from '../model/span.js';
import type { Db } from './open.js';
import { explainSql } from './reader.js';
import { ALPHA, DurationSketch } from './sketch.js';

/**
 * Request statistics per service and operation. All time comes from the operations table the writer maintains
 * (one sketch per operation: instant). A window reads the spans of each service through spans_service_start
 * (service, start_ns, duration_ns), newest first, plus name, kind and the error flag from the row, and sketches them here.
 */

export const WINDOW_SPANS_SQL = `SELECT name, kind, error, duration_ns
FROM spans INDEXED BY spans_service_start
WHERE service = @service AND start_ns >= @start AND start_ns <= @end
ORDER BY start_ns DESC
LIMIT @limit`;

const ALL_OPERATIONS_SQL = 'SELECT service, name, kind, error_count, sketch FROM operations ORDER BY service, name, kind';
const SERVICES_BY_SIZE_SQL = 'SELECT name FROM services ORDER BY span_count, name';

/** Spans read for one window, over all services: about a second of work, and a few MB of sketches at most. */
export const DEFAULT_WINDOW_CAP = 500_000;

const GAMMA = (1 + ALPHA) / (1 - ALPHA);

/** One operation's sketch and error count while aggregating. */
interface Acc {
  name: string;
  kind: number;
  errors: number;
  sketch: DurationSketch;
}

export class SqliteStatsReader implements StatsReader {
  private readonly windowSpans: Database.Statement;
  private readonly allOperations: Database.Statement;
  private readonly servicesBySize: Database.Statement;

  constructor(
    private readonly db: Db,
    private readonly cap = DEFAULT_WINDOW_CAP,
  ) {
    this.windowSpans = db.prepare(WINDOW_SPANS_SQL).raw(true);
    this.allOperations = db.prepare(ALL_OPERATIONS_SQL);
    this.servicesBySize = db.prepare(SERVICES_BY_SIZE_SQL).pluck();
  }

  serviceStats(window?: { startNs: Nanos; endNs: Nanos }): ServiceStatsResult {
    return window ? this.windowed(window.startNs, window.endNs) : this.allTime();
  }

  private allTime(): ServiceStatsResult {
    type Row = { service: string; name: string; kind: number; error_count: number; sketch: Uint8Array };
    const byService = new Map<string, Acc[]>();
    for (const row of this.allOperations.iterate() as Iterable<Row>) {
      const ops = byService.get(row.service) ?? [];
      ops.push({ name: row.name, kind: row.kind, errors: row.error_count, sketch: DurationSketch.decode(row.sketch) });
      byService.set(row.service, ops);
    }
    const services = [...byService].map(([name, ops]) => serviceStats(name, ops, false));
    return { services, spansRead: 0 };
  }

  private windowed(start: Nanos, end: Nanos): ServiceStatsResult {
    // Smallest services first, each given an equal share of what is left: small ones leave budget to big ones.
    const names = this.servicesBySize.all() as string[];
    let budget = this.cap;
    let spansRead = 0;
    // One read transaction, so every service is read at the same point while ingest keeps writing.
    const services = this.db.transaction(() =>
      names.map((service, i) => {
        const limit = Math.max(1, Math.floor(budget / (names.length - i)));
        const { ops, read, capped } = this.readService(service, start, end, limit);
        budget -= read;
        spansRead += read;
        return serviceStats(service, ops, capped);
      }),
    )();
    return {
      services: services.filter((s) => s.requests > 0).sort((a, b) => cmp(a.name, b.name)),
      spansRead,
      capPerService: Math.floor(this.cap / Math.max(1, names.length)),
    };
  }

  private readService(service: string, start: Nanos, end: Nanos, limit: number): { ops: Acc[]; read: number; capped: boolean } {
    const ops = new Map<string, Acc>();
    let read = 0;
    let capped = false;
    type Row = [name: string, kind: number, error: number, durationNs: number];
    // One row past the limit tells "exactly the limit" from "more than the limit".
    for (const [name, kind, error, durationNs] of this.windowSpans.iterate({ service, start, end, limit: limit + 1 }) as Iterable<Row>) {
      if (read === limit) {
        capped = true;
        break;
      }
      read++;
      const key = `${kind}\u0000${name}`;
      let acc = ops.get(key);
      if (!acc) {
        acc = { name, kind, errors: 0, sketch: new DurationSketch() };
        ops.set(key, acc);
      }
      acc.sketch.add(durationNs);
      if (error === 1) acc.errors++;
    }
    return { ops: [...ops.values()], read, capped };
  }

  /** EXPLAIN QUERY PLAN of the windowed read, for plan tests. */
  explain(): string[] {
    return explainSql(this.db, WINDOW_SPANS_SQL, { service: 'x', start: 0n, end: 1n, limit: 10 });
  }
}

function serviceStats(name: string, accs: Acc[], capped: boolean): ServiceStats {
  const all = new DurationSketch();
  let errors = 0;
  for (const a of accs) {
    all.merge(a.sketch);
    errors += a.errors;
  }
  const operations: OperationStats[] = accs
    .map((a) => ({ name: a.name, kind: a.kind, ...latency(a.sketch, a.errors) }))
    .sort((a, b) => cmp(a.name, b.name) || a.kind - b.kind);
  return { name, ...latency(all, errors), operations, capped };
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
    requests: sketch.count,
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
