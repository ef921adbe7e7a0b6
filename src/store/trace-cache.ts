import type Database from 'better-sqlite3';
import type { IndexedSpan } from '../codec/index.js';
import type { Dictionaries } from './dictionaries.js';
import { minuteOf } from './minute-stats.js';
import type { Db } from './open.js';
import { decodeAttrs, decodeOps, decodeSpanIds, TraceState } from './trace-row.js';
import { VarintWriter } from './varint.js';

/**
 * The writer's trace rows: the recently written ones in memory (an export's traces get more spans from other
 * services a few seconds later), so merging a chunk into its trace reads nothing back; older ones from
 * trace_rows. A new trace costs one probe of the trace_id index and one insert.
 */
export class TraceCache {
  private readonly cache = new Map<string, TraceState>();
  private readonly byRef = new Map<number, string>();
  private readonly st: Record<'find' | 'services' | 'insert' | 'update' | 'insService' | 'moveServices' | 'countMinute' | 'setMeta', Database.Statement>;
  private readonly w = new VarintWriter();
  private readonly newTraces = new Map<number, number>();
  private maxDuration: bigint;
  private storedMaxDuration: bigint;

  constructor(
    db: Db,
    private readonly dicts: Dictionaries,
    private readonly capacity = 5_000,
  ) {
    this.st = {
      find: db
        .prepare('SELECT id, start_ns, end_ns, span_count, error_count, root_op, root_start_ns, has_root, span_ids, ops, attrs FROM trace_rows WHERE trace_id = ?')
        .safeIntegers(true),
      services: db.prepare('SELECT service_id FROM trace_service_rows WHERE trace_ref = ?').pluck(),
      insert: db.prepare(
        `INSERT OR IGNORE INTO trace_rows (start_ns, end_ns, duration_ns, span_count, error_count, root_op, root_start_ns,
           has_root, span_ids, ops, attrs, trace_id, written_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      update: db.prepare(
        `UPDATE trace_rows SET start_ns = ?, end_ns = ?, duration_ns = ?, span_count = ?, error_count = ?, root_op = ?,
           root_start_ns = ?, has_root = ?, span_ids = ?, ops = ?, attrs = ? WHERE id = ?`,
      ),
      insService: db.prepare('INSERT OR IGNORE INTO trace_service_rows (trace_ref, service_id, start_ns, duration_ns) VALUES (?, ?, ?, ?)'),
      moveServices: db.prepare('UPDATE trace_service_rows SET start_ns = ?, duration_ns = ? WHERE trace_ref = ?'),
      countMinute: db.prepare('INSERT INTO trace_minutes (minute, traces) VALUES (?, ?) ON CONFLICT DO UPDATE SET traces = traces + excluded.traces'),
      setMeta: db.prepare('INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value'),
    };
    const meta = db.prepare("SELECT value FROM store_meta WHERE key = 'max_trace_duration_ns'").pluck().safeIntegers(true).get() as bigint | undefined;
    this.maxDuration = this.storedMaxDuration = meta ?? 0n;
  }

  /** The trace's state: cached, stored, or new (named after the chunk's first root or earliest span). */
  get(traceId: string, spans: readonly IndexedSpan[], probe: boolean): TraceState {
    const hit = this.cache.get(traceId);
    if (hit && (probe ? hit.id !== 0 : true)) {
      this.cache.delete(traceId); // re-insert: most recent last
      this.cache.set(traceId, hit);
      return hit;
    }
    const key = Buffer.from(traceId, 'hex');
    type Row = { id: bigint; start_ns: bigint; end_ns: bigint; span_count: bigint; error_count: bigint; root_op: bigint; root_start_ns: bigint; has_root: bigint; span_ids: Uint8Array; ops: Uint8Array; attrs: Uint8Array };
    const row = probe ? (this.st.find.get(key) as Row | undefined) : undefined;
    let t: TraceState;
    if (row) {
      t = new TraceState(key, row.start_ns, row.end_ns, { op: Number(row.root_op), startNs: row.root_start_ns, hasRoot: row.has_root === 1n });
      t.id = Number(row.id);
      t.spanCount = Number(row.span_count);
      t.errorCount = Number(row.error_count);
      decodeSpanIds(row.span_ids, t.spanIds);
      for (const [op, facts] of decodeOps(row.ops)) t.ops.set(op, facts);
      for (const kv of decodeAttrs(row.attrs)) t.attrs.add(kv);
      for (const id of this.st.services.all(row.id) as bigint[]) t.services.add(Number(id));
      t.stored = { startNs: t.startNs, durationNs: t.durationNs };
    } else {
      const first = spans[0];
      // A placeholder root that any real span beats: the first addSpan names the trace.
      t = new TraceState(key, first?.startNs ?? 0n, first?.startNs ?? 0n, { op: 0, startNs: 1n << 62n, hasRoot: false });
    }
    this.cache.set(traceId, t);
    if (t.id !== 0) this.byRef.set(t.id, traceId);
    if (this.cache.size > this.capacity) {
      const [oldKey, old] = this.cache.entries().next().value as [string, TraceState];
      this.cache.delete(oldKey);
      this.byRef.delete(old.id);
    }
    return t;
  }

  /** Inserts or updates the trace's row; says whether it was new and whether its start or duration moved. */
  /** conflict: the trace was new to the cache but stored already; nothing was written (load it and merge). */
  save(t: TraceState, nowMs: number): { isNew: boolean; timingChanged: boolean; conflict?: boolean } {
    const { spanIds, ops, attrs } = t.encode(this.w);
    const values = [
      t.startNs, t.endNs, t.durationNs, t.spanCount, t.errorCount, t.root.op, t.root.startNs, t.root.hasRoot ? 1 : 0, spanIds, ops, attrs,
    ]; // prettier-ignore
    const isNew = t.id === 0;
    if (isNew) {
      const r = this.st.insert.run(...values, t.traceId, Math.floor(nowMs));
      if (r.changes === 0) {
        this.cache.delete(t.traceId.toString('hex'));
        return { isNew: false, timingChanged: false, conflict: true };
      }
      t.id = Number(r.lastInsertRowid);
      this.byRef.set(t.id, t.traceId.toString('hex'));
    }
    else this.st.update.run(...values, t.id);
    const timingChanged = !isNew && (t.stored?.startNs !== t.startNs || t.stored?.durationNs !== t.durationNs);
    t.stored = { startNs: t.startNs, durationNs: t.durationNs };
    if (t.durationNs > this.maxDuration) this.maxDuration = t.durationNs;
    return { isNew, timingChanged };
  }

  /** trace_service_rows: one per new service; all of them again when the trace's timing moved. */
  saveServices(t: TraceState, added: readonly number[], timingChanged: boolean): void {
    if (timingChanged) this.st.moveServices.run(t.startNs, t.durationNs, t.id);
    for (const id of added) this.st.insService.run(t.id, id, t.startNs, t.durationNs);
  }

  countNewTrace(startNs: bigint): void {
    const m = minuteOf(startNs);
    this.newTraces.set(m, (this.newTraces.get(m) ?? 0) + 1);
  }

  /** Per-minute trace counts and the longest trace duration, once per commit. */
  flushMeta(): void {
    for (const [minute, n] of this.newTraces) this.st.countMinute.run(minute, n);
    this.newTraces.clear();
    if (this.maxDuration > this.storedMaxDuration) {
      this.st.setMeta.run('max_trace_duration_ns', this.maxDuration);
      this.storedMaxDuration = this.maxDuration;
    }
  }

  /** Retention deleted these traces: a late span of one starts a new row. */
  forget(refs: readonly number[]): void {
    for (const ref of refs) {
      const key = this.byRef.get(ref);
      if (key === undefined) continue;
      this.byRef.delete(ref);
      this.cache.delete(key);
    }
  }

  clear(): void {
    this.cache.clear();
    this.byRef.clear();
    this.newTraces.clear();
    this.dicts.reload();
  }
}
