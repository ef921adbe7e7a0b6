import { textGetter } from '../model/attr-text.js';
import { callEndsOf } from '../model/semconv.js';
import type { Db } from './open.js';
import { MinuteAggregates, MinuteStatsWriter } from './minute-stats.js';
import { moveSpansIntoChunks } from './backfill-chunks.js';

/**
 * Data steps that SQL alone cannot do, run right after a migration's SQL in the same transaction
 * (store/migrate.ts). Keyed by migration version.
 */
export const BACKFILLS: Readonly<Record<number, (db: Db) => void>> = {
  3: fillMinuteStats,
  4: moveSpansIntoChunks,
};

/** Rows read per step of the 003 backfill, so a big 0.1 database never needs all its aggregates at once. */
const BATCH = 50_000;

/** 003: the per-minute stats of every span and trace already stored, as the writer would have kept them. */
export function fillMinuteStats(db: Db): void {
  const writer = new MinuteStatsWriter(db);
  const spans = db
    .prepare(
      `SELECT rowid, service, name, kind, parent_span_id, error, start_ns, duration_ns,
         CASE WHEN kind BETWEEN 2 AND 5 THEN attributes END AS attributes
       FROM spans WHERE rowid > ? ORDER BY rowid LIMIT ?`,
    )
    .safeIntegers(true);
  type Row = {
    rowid: bigint; service: string; name: string; kind: bigint; parent_span_id: string; error: bigint;
    start_ns: bigint; duration_ns: bigint; attributes: string | null;
  }; // prettier-ignore
  for (let after = 0n; ; ) {
    const rows = spans.all(after, BATCH) as Row[];
    if (rows.length === 0) break;
    const agg = new MinuteAggregates();
    for (const r of rows) {
      const kind = Number(r.kind);
      const ends = r.attributes === null ? { callee: '', address: '' } : callEndsOf(kind, textGetter(r.attributes));
      agg.addSpan({
        service: r.service, name: r.name, kind, parentSpanId: r.parent_span_id, error: r.error === 1n,
        startNs: r.start_ns, durationNs: r.duration_ns, callee: ends.callee, address: ends.address,
      }); // prettier-ignore
    }
    writer.flush(agg);
    after = rows[rows.length - 1].rowid;
  }
  const traces = new MinuteAggregates();
  const perService = db
    .prepare('SELECT service, start_ns, count(*) AS n FROM trace_services GROUP BY service, start_ns / 60000000000')
    .safeIntegers(true);
  for (const r of perService.iterate() as Iterable<{ service: string; start_ns: bigint; n: bigint }>) {
    traces.addTraces(r.service, r.start_ns, Number(r.n));
  }
  writer.flush(traces);
}
