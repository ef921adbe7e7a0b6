import type Database from 'better-sqlite3';
import { readChunkIndex } from '../codec/index.js';
import type { Attributes } from '../model/span.js';
import type { TraceWalk, TraceWalkRequest, WalkedTrace } from '../model/trace-walk.js';
import type { DimensionCache } from './dimension-cache.js';
import type { Dictionaries } from './dictionaries.js';
import type { Db } from './open.js';

/**
 * The sampling simulator's read: a window's trace rows, newest first by `trace_rows_start` (the search's own
 * index, no sort), stopped at the limit. A row already holds what a tail policy decides on — start, end,
 * duration, span and error counts, root operation — so no chunk is decoded unless the policy has attribute
 * rules; then each trace's chunks are read with the light index reader for just those keys, plus the keys on the
 * spans' resources (a handful of resources, each decoded once by the dimension cache).
 */

export const WALK_SQL = {
  rows: `SELECT id, trace_id, start_ns, end_ns, duration_ns, span_count, error_count, root_op FROM trace_rows INDEXED BY trace_rows_start
    WHERE start_ns <= @upper AND start_ns >= @lower ORDER BY start_ns DESC, trace_id DESC LIMIT @limit`,
  chunks: 'SELECT data FROM chunks INDEXED BY chunks_trace WHERE trace_ref = ? ORDER BY rowid',
  spanTotal: "SELECT value FROM store_meta WHERE key = 'span_total'",
} as const;

type Row = [id: bigint, traceId: Buffer, start: bigint, end: bigint, duration: bigint, spans: bigint, errors: bigint, rootOp: bigint];

const MAX_NS = (1n << 63n) - 1n;

export class TraceWalker {
  private readonly st: Record<keyof typeof WALK_SQL, Database.Statement>;

  constructor(
    private readonly db: Db,
    private readonly dicts: Dictionaries,
    private readonly dims: DimensionCache,
  ) {
    this.st = {
      rows: db.prepare(WALK_SQL.rows).safeIntegers(true).raw(true),
      chunks: db.prepare(WALK_SQL.chunks).pluck(),
      spanTotal: db.prepare(WALK_SQL.spanTotal).pluck(),
    };
  }

  walk(q: TraceWalkRequest): TraceWalk {
    this.dicts.refresh();
    const rows = this.st.rows.all({ lower: q.startNs ?? 0n, upper: q.endNs > MAX_NS ? MAX_NS : q.endNs, limit: q.limit + 1 }) as Row[];
    const more = rows.length > q.limit;
    if (more) rows.length = q.limit;
    const keys = [...new Set(q.attributeKeys)];
    const traces: WalkedTrace[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const [ref, id, start, end, duration, spans, errors, rootOp] = rows[rows.length - 1 - i];
      const op = this.dicts.op(Number(rootOp));
      const t: WalkedTrace = {
        traceId: id.toString('hex'),
        startNs: start,
        endNs: end,
        durationNs: duration,
        spanCount: Number(spans),
        errorCount: Number(errors),
        rootService: op?.service ?? '',
        rootName: op?.name ?? '',
      };
      if (keys.length > 0) t.attributes = this.attributes(Number(ref), keys);
      traces[i] = t;
    }
    return { traces, more, bytesPerSpan: this.bytesPerSpan() };
  }

  /** The text values of `keys` on a trace's spans and their resources, in the attribute search's text form. */
  private attributes(ref: number, keys: string[]): Map<string, string[]> {
    const out = new Map<string, string[]>(keys.map((k) => [k, []]));
    const resources = new Set<string>();
    for (const data of this.st.chunks.all(ref) as Uint8Array[]) {
      for (const s of readChunkIndex(data, keys)) {
        for (const [k, v] of s.values) out.get(k)!.push(v);
        resources.add(s.resource);
      }
    }
    for (const hash of resources) {
      const attrs: Attributes | undefined = this.dims.lookup(hash)?.attributes;
      if (!attrs) continue;
      for (const k of keys) {
        const v = attrs[k];
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out.get(k)!.push(String(v));
      }
    }
    return out;
  }

  /** The live database size over the spans stored (store_meta's total, as retention counts them). */
  private bytesPerSpan(): number {
    const spans = Number((this.st.spanTotal.get() as number | bigint | undefined) ?? 0);
    if (spans <= 0) return 0;
    const pages = Number(this.db.pragma('page_count', { simple: true })) - Number(this.db.pragma('freelist_count', { simple: true }));
    return (pages * Number(this.db.pragma('page_size', { simple: true }))) / spans;
  }

  /** EXPLAIN QUERY PLAN of the walk's statements; for plan tests. */
  explain(): Record<'rows' | 'chunks', string[]> {
    const plan = (sql: string, params: unknown) =>
      (this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>).map((r) => r.detail);
    return { rows: plan(WALK_SQL.rows, { lower: 0, upper: 1, limit: 1 }), chunks: plan(WALK_SQL.chunks, [1]) };
  }
}
