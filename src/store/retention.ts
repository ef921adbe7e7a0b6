import type Database from 'better-sqlite3';
import { NS_PER_MINUTE } from '../model/stats-ports.js';
import type { Db } from './open.js';

/** Limits on what the store keeps; 0 = no limit. */
export interface RetentionLimits {
  /** Traces that started longer ago than this are deleted. */
  maxAgeMs: number;
  maxSpans: number;
  /** Bytes of the database file. */
  maxDbBytes: number;
}

/** Traces deleted per transaction: small, so a commit of new spans never waits long behind a delete. */
const BATCH_TRACES = 500;
/** Time one housekeeping pass may spend deleting, so a big backlog is worked off over several passes. */
const STEP_BUDGET_MS = 250;
/** Start deleting at this share of --max-db-size, and delete down to the lower one: freed pages are reused. */
const SIZE_HIGH = 0.9;
const SIZE_LOW = 0.8;
const CHECK_EVERY_MS = 200;

/**
 * Deletes the oldest traces (in arrival order: the trace ref) while the store is over a limit, and with them
 * everything derived from them: chunks, per-service rows and entry spans, postings older than every remaining
 * trace's start, and the
 * per-minute stats and graph of the minutes before the oldest remaining trace, so stats always describe whole
 * minutes of what is stored. auto_vacuum stays NONE: freed pages go on SQLite's freelist and new spans reuse
 * them, so the file stops growing at the limit without VACUUM's full rewrites (incremental vacuum would move
 * pages and write them twice for space that is about to be used again).
 */
export class Retention {
  private readonly st: Record<string, Database.Statement>;
  private readonly tx: (limit: number, nowMs: number) => bigint[];
  private spans: number;
  private deleted = 0;
  private shrinking = false;
  private checkedMs = 0;

  constructor(
    private readonly db: Db,
    private readonly limits: RetentionLimits,
  ) {
    this.st = {
      oldest: db.prepare('SELECT id, start_ns, end_ns, span_count, written_ms FROM trace_rows ORDER BY id LIMIT ?').safeIntegers(true),
      oldestWritten: db.prepare('SELECT written_ms FROM trace_rows ORDER BY id LIMIT 1').pluck(),
      oldestStart: db.prepare('SELECT start_ns FROM trace_rows INDEXED BY trace_rows_start ORDER BY start_ns LIMIT 1').pluck().safeIntegers(true),
      delChunks: db.prepare('DELETE FROM chunks WHERE trace_ref = ?'),
      delServices: db.prepare('DELETE FROM trace_service_rows WHERE trace_ref = ?'),
      delTrace: db.prepare('DELETE FROM trace_rows WHERE id = ?'),
      // A trace's entry spans start within its own start and end: the index finds them, the ref picks them.
      delEntries: db.prepare('DELETE FROM entry_spans WHERE start_ns >= ? AND start_ns <= ? AND trace_ref = ?'),
      delOpPostings: db.prepare('DELETE FROM op_postings WHERE max_start_ns < ?'),
      delAttrPostings: db.prepare('DELETE FROM attr_postings WHERE max_start_ns < ?'),
      delOpMinutes: db.prepare('DELETE FROM op_minutes WHERE minute < ?'),
      delServiceMinutes: db.prepare('DELETE FROM service_minutes WHERE minute < ?'),
      // Hours entirely before the oldest minute kept. The hour holding that minute keeps counts of deleted minutes,
      // so the stats reader reads it from its minutes: the floor below tells it which hour that is.
      raiseStatsFloor: db.prepare(
        "INSERT INTO store_meta (key, value) VALUES ('stats_floor_minute', ?) ON CONFLICT DO UPDATE SET value = max(value, excluded.value)",
      ),
      delOpHours: db.prepare('DELETE FROM op_hours WHERE hour < ?'),
      delServiceHours: db.prepare('DELETE FROM service_hours WHERE hour < ?'),
      delTraceMinutes: db.prepare('DELETE FROM trace_minutes WHERE minute < ?'),
      delDependencies: db.prepare('DELETE FROM dependency_minutes WHERE minute < ?'),
      spanTotal: db.prepare("SELECT value FROM store_meta WHERE key = 'span_total'").pluck(),
      pages: db.prepare('SELECT page_count, freelist_count, page_size FROM pragma_page_count, pragma_freelist_count, pragma_page_size'),
      setSpanTotal: db.prepare("INSERT INTO store_meta (key, value) VALUES ('span_total', ?) ON CONFLICT DO UPDATE SET value = excluded.value"),
    };
    this.spans = (this.st.spanTotal.get() as number | undefined) ?? 0;
    this.tx = db.transaction((limit: number, nowMs: number) => this.deleteOldest(limit, nowMs));
  }

  /** Spans stored, as the writer counts them (kept in store_meta so startup reads no table). */
  get spanTotal(): number {
    return this.spans;
  }

  /** The writer counts what it stores; saved with the next delete or commit. */
  added(spans: number): void {
    this.spans += spans;
    this.st.setSpanTotal.run(this.spans);
  }

  /** Deletes while over a limit, within a time budget; answers the refs of the traces deleted. */
  step(nowMs: number, budgetMs = STEP_BUDGET_MS): number[] {
    // Checking costs a few reads; between commits, a few times a second is enough unless already deleting.
    if (budgetMs < STEP_BUDGET_MS && !this.shrinking && nowMs - this.checkedMs < CHECK_EVERY_MS) return [];
    this.checkedMs = nowMs;
    const started = performance.now();
    const refs: number[] = [];
    while (performance.now() - started < budgetMs && this.over(nowMs)) {
      const deleted = this.tx(BATCH_TRACES, nowMs);
      if (deleted.length === 0) break;
      for (const id of deleted) refs.push(Number(id));
    }
    return refs;
  }

  /** Every trace and everything derived, in one transaction (DELETE /api/traces). */
  clearAll(): void {
    this.db.transaction(() => {
      for (const t of ['chunks', 'trace_service_rows', 'trace_rows', 'entry_spans', 'op_postings', 'attr_postings', 'op_minutes',
        'service_minutes', 'trace_minutes', 'dependency_minutes', 'endpoints', 'dimensions', 'op_hours', 'service_hours']) this.db.exec(`DELETE FROM ${t}`); // prettier-ignore
      this.db.exec("DELETE FROM store_meta WHERE key = 'stats_floor_minute'");
      this.spans = 0;
      this.st.setSpanTotal.run(0);
    })();
  }

  stats() {
    return { storedSpans: this.spans, deletedTraces: this.deleted, dbBytes: this.liveBytes().file };
  }

  private over(nowMs: number): boolean {
    if (this.tooManySpans() || this.tooBig()) return true;
    const written = this.st.oldestWritten.get() as number | undefined;
    return written !== undefined && this.tooOld(written, nowMs);
  }

  private tooManySpans(): boolean {
    return this.limits.maxSpans > 0 && this.spans > this.limits.maxSpans;
  }

  private tooBig(): boolean {
    const { maxDbBytes } = this.limits;
    if (maxDbBytes <= 0) return false;
    const live = this.liveBytes().live;
    if (live > maxDbBytes * SIZE_HIGH) this.shrinking = true;
    if (this.shrinking && live > maxDbBytes * SIZE_LOW) return true;
    this.shrinking = false;
    return false;
  }

  private tooOld(writtenMs: number, nowMs: number): boolean {
    return this.limits.maxAgeMs > 0 && writtenMs < nowMs - this.limits.maxAgeMs;
  }

  private liveBytes(): { live: number; file: number } {
    const r = this.st.pages.get() as { page_count: number; freelist_count: number; page_size: number };
    return { live: (r.page_count - r.freelist_count) * r.page_size, file: r.page_count * r.page_size };
  }

  private deleteOldest(limit: number, nowMs: number): bigint[] {
    // The size is measured once per batch (pages come free as rows go); the span count and each trace's age are
    // known trace by trace, so those limits delete no more than they must.
    const tooBig = this.tooBig();
    const rows: Array<{ id: bigint; start_ns: bigint; end_ns: bigint; span_count: bigint; written_ms: bigint }> = [];
    for (const r of this.st.oldest.all(limit) as typeof rows) {
      if (!tooBig && !this.tooManySpans() && !this.tooOld(Number(r.written_ms), nowMs)) break;
      this.st.delChunks.run(r.id);
      this.st.delServices.run(r.id);
      this.st.delEntries.run(r.start_ns, r.end_ns, r.id);
      this.st.delTrace.run(r.id);
      this.spans -= Number(r.span_count);
      rows.push(r);
    }
    this.deleted += rows.length;
    const next = this.st.oldestStart.get() as bigint | undefined;
    // Everything derived from before the oldest remaining trace goes: postings whose traces all started
    // earlier, and whole minutes of stats and graph.
    let latest = 0n;
    for (const r of rows) if (r.start_ns >= latest) latest = r.start_ns + 1n;
    const horizon = next ?? latest;
    const minute = Number(horizon / NS_PER_MINUTE);
    this.st.delOpPostings.run(horizon);
    this.st.delAttrPostings.run(horizon);
    for (const s of ['delOpMinutes', 'delServiceMinutes', 'delTraceMinutes', 'delDependencies']) this.st[s].run(minute);
    for (const s of ['delOpHours', 'delServiceHours']) this.st[s].run(Math.floor(minute / 60));
    this.st.raiseStatsFloor.run(minute);
    this.st.setSpanTotal.run(this.spans);
    return rows.map((r) => r.id);
  }
}
