import type Database from 'better-sqlite3';
import { SpanKind } from '../model/span.js';
import { NS_PER_MINUTE } from '../model/stats-ports.js';
import type { Db } from './open.js';
import { DurationSketch } from './sketch.js';

/**
 * The per-minute statistics of migration 003 (op_minutes, service_minutes, endpoints): aggregated in memory
 * per write batch, then upserted once per touched row, in the batch's transaction.
 */

export { NS_PER_MINUTE };

/** op_minutes.role: what a span is to its service. */
export const Role = { ENTRY: 0, CALL: 1, INTERNAL: 2 } as const;
export const ROLE_NAMES = ['entry', 'call', 'internal'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/**
 * A request the service served (SERVER/CONSUMER, or a root span of any other kind: a job, a script's call),
 * an outgoing call (CLIENT/PRODUCER), or internal work (framework middleware, handlers, local spans).
 */
export function roleOf(kind: number, parentSpanId: string): number {
  if (kind === SpanKind.SERVER || kind === SpanKind.CONSUMER || parentSpanId === '') return Role.ENTRY;
  if (kind === SpanKind.CLIENT || kind === SpanKind.PRODUCER) return Role.CALL;
  return Role.INTERNAL;
}

export function minuteOf(ns: bigint): number {
  return Number(ns / NS_PER_MINUTE);
}

/** What the aggregates need of a span; the writer passes SpanRecord fields, the 003 backfill stored rows. */
export interface StatSpan {
  service: string;
  name: string;
  kind: number;
  parentSpanId: string;
  error: boolean;
  startNs: bigint;
  durationNs: bigint;
  callee: string;
  address: string;
}

interface OpAgg {
  service: string;
  name: string;
  kind: number;
  role: number;
  callee: string;
  minute: number;
  spans: number;
  errors: number;
  sketch: DurationSketch;
}

export class MinuteAggregates {
  readonly ops = new Map<string, OpAgg>();
  readonly endpoints = new Map<string, { service: string; seenNs: bigint }>();
  readonly serviceTraces = new Map<string, { service: string; minute: number; traces: number }>();

  addSpan(s: StatSpan): void {
    const role = roleOf(s.kind, s.parentSpanId);
    const callee = role === Role.CALL ? s.callee : '';
    const minute = minuteOf(s.startNs);
    const key = `${s.service}\u0000${s.name}\u0000${s.kind}\u0000${role}\u0000${callee}\u0000${minute}`;
    let op = this.ops.get(key);
    if (!op) {
      op = { service: s.service, name: s.name, kind: s.kind, role, callee, minute, spans: 0, errors: 0, sketch: new DurationSketch() };
      this.ops.set(key, op);
    }
    op.spans++;
    if (s.error) op.errors++;
    op.sketch.add(Number(s.durationNs));
    if (s.address !== '') {
      const seen = this.endpoints.get(s.address);
      if (!seen || seen.seenNs <= s.startNs) this.endpoints.set(s.address, { service: s.service, seenNs: s.startNs });
    }
  }

  /** `traces` traces (by their start) newly containing `service`. */
  addTraces(service: string, traceStartNs: bigint, traces: number): void {
    if (traces === 0) return;
    const minute = minuteOf(traceStartNs);
    const key = `${service}\u0000${minute}`;
    const agg = this.serviceTraces.get(key) ?? { service, minute, traces: 0 };
    agg.traces += traces;
    this.serviceTraces.set(key, agg);
  }
}

export class MinuteStatsWriter {
  private readonly getSketch: Database.Statement;
  private readonly upsertOp: Database.Statement;
  private readonly upsertServiceMinute: Database.Statement;
  private readonly upsertEndpoint: Database.Statement;
  private readonly hours: { getSketch: Database.Statement; upsertOp: Database.Statement; upsertService: Database.Statement } | undefined;

  /** `hours`: also keep the hourly rollups (op_hours, service_hours: migration 006 on). */
  constructor(db: Db, opts: { hours?: boolean } = { hours: true }) {
    this.hours = opts.hours
      ? {
          getSketch: db
            .prepare('SELECT sketch FROM op_hours WHERE service = ? AND name = ? AND kind = ? AND role = ? AND callee = ? AND hour = ?')
            .pluck(),
          upsertOp: db.prepare(
            `INSERT INTO op_hours (service, name, kind, role, callee, hour, spans, errors, sketch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT DO UPDATE SET spans = spans + excluded.spans, errors = errors + excluded.errors, sketch = excluded.sketch`,
          ),
          upsertService: db.prepare(
            `INSERT INTO service_hours (service, hour, traces) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET traces = traces + excluded.traces`,
          ),
        }
      : undefined;
    this.getSketch = db
      .prepare('SELECT sketch FROM op_minutes WHERE service = ? AND name = ? AND kind = ? AND role = ? AND callee = ? AND minute = ?')
      .pluck();
    this.upsertOp = db.prepare(
      `INSERT INTO op_minutes (service, name, kind, role, callee, minute, spans, errors, sketch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET spans = spans + excluded.spans, errors = errors + excluded.errors, sketch = excluded.sketch`,
    );
    this.upsertServiceMinute = db.prepare(
      `INSERT INTO service_minutes (service, minute, traces) VALUES (?, ?, ?)
       ON CONFLICT DO UPDATE SET traces = traces + excluded.traces`,
    );
    this.upsertEndpoint = db.prepare(
      `INSERT INTO endpoints (address, service, seen_ns) VALUES (?, ?, ?)
       ON CONFLICT DO UPDATE SET service = excluded.service, seen_ns = excluded.seen_ns WHERE excluded.seen_ns >= seen_ns`,
    );
  }

  /** Sketches merge in JS: read the stored one, add the batch's, write it back once per operation and minute (and hour). */
  flush(agg: MinuteAggregates): void {
    const byHour = new Map<string, { pk: unknown[]; spans: number; errors: number; sketch: DurationSketch }>();
    for (const op of agg.ops.values()) {
      if (this.hours) {
        const hour = Math.floor(op.minute / 60);
        const key = `${op.service}\u0000${op.name}\u0000${op.kind}\u0000${op.role}\u0000${op.callee}\u0000${hour}`;
        const h = byHour.get(key);
        if (h) {
          h.spans += op.spans;
          h.errors += op.errors;
          h.sketch.merge(op.sketch);
        } else {
          const sketch = new DurationSketch();
          sketch.merge(op.sketch);
          byHour.set(key, { pk: [op.service, op.name, op.kind, op.role, op.callee, hour], spans: op.spans, errors: op.errors, sketch });
        }
      }
      const pk = [op.service, op.name, op.kind, op.role, op.callee, op.minute];
      const stored = this.getSketch.get(pk) as Uint8Array | undefined;
      if (stored) op.sketch.merge(DurationSketch.decode(stored));
      this.upsertOp.run(...pk, op.spans, op.errors, op.sketch.encode());
    }
    for (const s of agg.serviceTraces.values()) this.upsertServiceMinute.run(s.service, s.minute, s.traces);
    for (const [address, e] of agg.endpoints) this.upsertEndpoint.run(address, e.service, e.seenNs);
    const hours = this.hours;
    if (!hours) return;
    for (const h of byHour.values()) {
      const stored = hours.getSketch.get(h.pk) as Uint8Array | undefined;
      if (stored) h.sketch.merge(DurationSketch.decode(stored));
      hours.upsertOp.run(...h.pk, h.spans, h.errors, h.sketch.encode());
    }
    const serviceHours = new Map<string, { service: string; hour: number; traces: number }>();
    for (const s of agg.serviceTraces.values()) {
      const hour = Math.floor(s.minute / 60);
      const key = `${s.service}\u0000${hour}`;
      const e = serviceHours.get(key) ?? { service: s.service, hour, traces: 0 };
      e.traces += s.traces;
      serviceHours.set(key, e);
    }
    for (const s of serviceHours.values()) hours.upsertService.run(s.service, s.hour, s.traces);
  }
}
