import { textGetter } from '../model/attr-text.js';
import { callEndsOf } from '../model/semconv.js';
import type { Db } from './open.js';
import { MinuteAggregates, MinuteStatsWriter } from './minute-stats.js';
import { DurationSketch } from './sketch.js';
import { moveSpansIntoChunks } from './backfill-chunks.js';

/**
 * Data steps that SQL alone cannot do, run right after a migration's SQL in the same transaction
 * (store/migrate.ts). Keyed by migration version.
 */
export const BACKFILLS: Readonly<Record<number, (db: Db) => void>> = {
  3: fillMinuteStats,
  4: moveSpansIntoChunks,
  6: fillHourlyStats,
};

/** Rows read per step of the 003 backfill, so a big 0.1 database never needs all its aggregates at once. */
const BATCH = 50_000;

/** 003: the per-minute stats of every span and trace already stored, as the writer would have kept them. */
export function fillMinuteStats(db: Db): void {
  const writer = new MinuteStatsWriter(db, { hours: false }); // the hourly tables come with 006
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

/** 006: op_hours from op_minutes. A connection cannot write while it iterates, so the hours gather first (a few per operation). */
export function fillHourlyStats(db: Db): void {
  type Row = { service: string; name: string; kind: number; role: number; callee: string; minute: number; spans: number; errors: number; sketch: Uint8Array }; // prettier-ignore
  const hours = new Map<string, { pk: unknown[]; spans: number; errors: number; sketch: DurationSketch }>();
  const rows = db.prepare('SELECT service, name, kind, role, callee, minute, spans, errors, sketch FROM op_minutes');
  for (const r of rows.iterate() as Iterable<Row>) {
    const hour = Math.floor(r.minute / 60);
    const key = `${r.service}\u0000${r.name}\u0000${r.kind}\u0000${r.role}\u0000${r.callee}\u0000${hour}`;
    let h = hours.get(key);
    if (!h) hours.set(key, (h = { pk: [r.service, r.name, r.kind, r.role, r.callee, hour], spans: 0, errors: 0, sketch: new DurationSketch() }));
    h.spans += r.spans;
    h.errors += r.errors;
    h.sketch.merge(DurationSketch.decode(r.sketch));
  }
  const insert = db.prepare(
    'INSERT INTO op_hours (service, name, kind, role, callee, hour, spans, errors, sketch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  for (const h of hours.values()) insert.run(...h.pk, h.spans, h.errors, h.sketch.encode());
}
