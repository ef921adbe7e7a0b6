import type Database from 'better-sqlite3';
import { readChunk, readChunkTyped } from '../codec/index.js';
import type { TraceReader } from '../model/ports.js';
import type { OperationSummary, ServiceSummary, TraceQuery } from '../model/query.js';
import type { Span, TraceId } from '../model/span.js';
import type { IndexedTagValues, IndexedTags, SpansetSearch, SpansetSearchResult } from '../model/traceql.js';
import type { TraceWalk, TraceWalkRequest } from '../model/trace-walk.js';
import type { TypedResource, TypedScope, TypedSpan, TypedTrace } from '../model/typed.js';
import { DimensionCache } from './dimension-cache.js';
import { Dictionaries } from './dictionaries.js';
import type { Db } from './open.js';
import { TraceSearch, type SearchResult } from './search.js';
import { SqliteStatsReader } from './stats-reader.js';
import { SpansetSearcher } from './traceql.js';
import { TagReader } from './traceql-tags.js';
import { TraceWalker } from './trace-walk.js';

/** Whole-trace reads: the trace's ref by its ID (one probe of the unique index), then its chunks by ref. */
export const GET_TRACE_SQL = `SELECT c.data FROM trace_rows AS t INDEXED BY sqlite_autoindex_trace_rows_1
JOIN chunks AS c INDEXED BY chunks_trace ON c.trace_ref = t.id
WHERE t.trace_id = ? ORDER BY c.rowid`;
const CHUNKS_SQL = 'SELECT data FROM chunks INDEXED BY chunks_trace WHERE trace_ref = ? ORDER BY rowid';

export class SqliteTraceReader implements TraceReader {
  private readonly getTraceStmt: Database.Statement;
  private readonly chunksStmt: Database.Statement;
  private readonly stats: SqliteStatsReader;
  private readonly dims: DimensionCache;
  readonly dicts: Dictionaries;
  private readonly search: TraceSearch;
  private readonly spansets: SpansetSearcher;
  private readonly tags: TagReader;
  private readonly walker: TraceWalker;

  constructor(private readonly db: Db) {
    this.getTraceStmt = db.prepare(GET_TRACE_SQL).pluck();
    this.chunksStmt = db.prepare(CHUNKS_SQL).pluck();
    this.stats = new SqliteStatsReader(db);
    this.dims = new DimensionCache(db);
    this.dicts = new Dictionaries(db);
    this.search = new TraceSearch(db, this.dicts, (ref, traceId) => this.spans(this.chunksStmt.all(ref) as Uint8Array[], traceId));
    this.spansets = new SpansetSearcher(db, this.dicts, (ref, traceId) => this.spans(this.chunksStmt.all(ref) as Uint8Array[], traceId));
    this.tags = new TagReader(db);
    this.walker = new TraceWalker(db, this.dicts, this.dims);
  }

  getTrace(id: TraceId): Span[] {
    return this.spans(this.getTraceStmt.all(Buffer.from(id, 'hex')) as Uint8Array[], id);
  }

  getTraceTyped(id: TraceId): TypedTrace | undefined {
    const chunks = this.getTraceStmt.all(Buffer.from(id, 'hex')) as Uint8Array[];
    if (chunks.length === 0) return undefined;
    const spans: TypedSpan[] = [];
    const seen = new Set<string>();
    for (const data of chunks) {
      for (const s of readChunkTyped(data, id)) {
        if (seen.has(s.spanId)) continue;
        seen.add(s.spanId);
        spans.push(s);
      }
    }
    spans.sort(byStart);
    const resources = new Map<string, TypedResource>();
    const scopes = new Map<string, TypedScope>();
    for (const s of spans) {
      if (!resources.has(s.resource)) resources.set(s.resource, this.dimension(s.resource, 'resource'));
      if (!scopes.has(s.scope)) scopes.set(s.scope, this.dimension(s.scope, 'scope'));
    }
    return { spans, resources, scopes };
  }

  findTraces(q: TraceQuery): SearchResult {
    this.dicts.refresh();
    return this.search.find(q);
  }

  /** EXPLAIN QUERY PLAN of every statement a search runs; for plan tests and debugging. */
  explain(): Record<string, string[]> {
    return this.search.explain(this.db);
  }

  searchSpansets(q: SpansetSearch): SpansetSearchResult {
    return this.spansets.find(q);
  }

  /** EXPLAIN QUERY PLAN of the statements a TraceQL search compiles to; for plan tests. */
  explainSpansets(q: SpansetSearch): { driver: string[]; row?: string[] } {
    this.dicts.refresh();
    return this.spansets.explain(q);
  }

  /** The compiled form of a TraceQL search (its necessary conditions, driver and SQL); for plan tests. */
  compileSpansets(q: SpansetSearch): ReturnType<SpansetSearcher['compile']> {
    this.dicts.refresh();
    return this.spansets.compile(q);
  }

  explainTags(): Record<string, string[]> {
    return this.tags.explain(this.db);
  }

  indexedTags(): IndexedTags {
    return this.tags.tags();
  }

  indexedTagValues(tag: { scope: 'resource' | 'span' | 'any' | 'intrinsic'; key: string }, limit: number): IndexedTagValues {
    return this.tags.values(tag, limit);
  }

  walkTraces(q: TraceWalkRequest): TraceWalk {
    return this.walker.walk(q);
  }

  /** EXPLAIN QUERY PLAN of the simulator's walk; for plan tests. */
  explainWalk(): Record<'rows' | 'chunks', string[]> {
    return this.walker.explain();
  }

  services(): ServiceSummary[] {
    return this.stats.services();
  }

  operations(service: string): OperationSummary[] {
    return this.stats.operations(service);
  }

  /** The chunks' spans, sorted by start then span ID; a span stored twice (a retried export) is given once. */
  private spans(chunks: Uint8Array[], traceId: TraceId): Span[] {
    const out: Span[] = [];
    const seen = new Set<string>();
    for (const data of chunks) {
      for (const s of readChunk(data, traceId, this.dims.lookup)) {
        if (seen.has(s.spanId)) continue;
        seen.add(s.spanId);
        out.push(s);
      }
    }
    return out.sort(byStart);
  }

  private dimension<K extends 'resource' | 'scope'>(hash: string, kind: K): Extract<TypedResource | TypedScope, { kind: K }> {
    const d = this.dims.typed(hash);
    if (d?.kind !== kind) throw new Error(`a stored chunk references ${kind} ${hash}, which is not stored as one`);
    return d as Extract<TypedResource | TypedScope, { kind: K }>;
  }
}

/** Start order, then span ID: the order every read of a trace gives. */
function byStart(a: { startTimeUnixNano: bigint; spanId: string }, b: { startTimeUnixNano: bigint; spanId: string }): number {
  if (a.startTimeUnixNano !== b.startTimeUnixNano) return a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1;
  return a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0;
}

/** EXPLAIN QUERY PLAN detail lines of `sql` bound with `params`. */
export function explainSql(db: Db, sql: string, params: unknown): string[] {
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>;
  return rows.map((r) => r.detail);
}

export interface StoreStats {
  spans: number;
  traces: number;
  chunks: number;
  dimensions: number;
}

/** Row counts (full counts: for tests, benchmarks and status pages, not hot paths). */
export function storeStats(db: Db): StoreStats {
  const count = (sql: string): number => (db.prepare(sql).pluck().get() as number | null) ?? 0;
  return {
    spans: count('SELECT sum(span_count) FROM trace_rows'),
    traces: count('SELECT count(*) FROM trace_rows'),
    chunks: count('SELECT count(*) FROM chunks'),
    dimensions: count('SELECT count(*) FROM dimensions'),
  };
}
