import type Database from 'better-sqlite3';
import type { TraceQuery, TraceSearchResult, TraceSummary } from '../model/query.js';
import type { Attributes, Span } from '../model/span.js';
import type { Dictionaries } from './dictionaries.js';
import { INDEXED_KEY_SET } from './indexed-keys.js';
import type { Db } from './open.js';
import { decodeRefs } from './postings.js';
import { decodeAttrs, decodeOps, type OpFacts } from './trace-row.js';

/**
 * Trace search over the store v2 indexes. One index drives the scan, newest first — an indexed attribute's
 * postings, else the operation's postings, else the service's trace_service_rows, else trace_rows_start — and
 * every other condition is checked on the candidate's trace row (its operations, services and indexed
 * attribute values are in it). The scan stops once `limit` traces are found and no unseen candidate can start
 * later than the last of them (postings: see store/postings.ts), so results are exact and in (start, traceId)
 * descending order. An attribute key outside the index is checked by reading the candidate's spans, for at
 * most SLOW_CANDIDATES traces; past that the answer says it is incomplete.
 */

export type SearchResult = TraceSearchResult;

const SLOW_CANDIDATES = 5_000;

interface Candidate {
  ref: number;
  /** No candidate not yet yielded starts later than this. */
  bound: bigint;
}

interface Row {
  id: number;
  trace_id: Buffer;
  start_ns: bigint;
  duration_ns: bigint;
  span_count: bigint;
  error_count: bigint;
  root_op: bigint;
  ops: Uint8Array;
  attrs: Uint8Array;
}

export const SEARCH_SQL = {
  row: 'SELECT id, trace_id, start_ns, duration_ns, span_count, error_count, root_op, ops, attrs FROM trace_rows WHERE id = ?',
  byStart: `SELECT id, start_ns FROM trace_rows INDEXED BY trace_rows_start
    WHERE start_ns <= @upper AND start_ns >= @lower ORDER BY start_ns DESC, trace_id DESC`,
  byService: `SELECT trace_ref, start_ns FROM trace_service_rows INDEXED BY trace_service_rows_search
    WHERE service_id = @service AND start_ns <= @upper AND start_ns >= @lower AND duration_ns >= @minDuration AND duration_ns <= @maxDuration
    ORDER BY start_ns DESC`,
  opPostings: `SELECT max_start_ns, refs FROM op_postings INDEXED BY op_postings_search
    WHERE op_id = @key AND max_start_ns >= @lower AND min_start_ns <= @reach ORDER BY max_start_ns DESC`,
  attrPostings: `SELECT max_start_ns, refs FROM attr_postings INDEXED BY attr_postings_search
    WHERE key_id = @key AND value = @value AND max_start_ns >= @lower AND min_start_ns <= @reach ORDER BY max_start_ns DESC`,
} as const;

/** The longest trace duration stored: how far a trace's start can have moved below what its postings say. */
const LONGEST_SQL = "SELECT value FROM store_meta WHERE key = 'max_trace_duration_ns'";

const MAX_NS = (1n << 63n) - 1n;

export class TraceSearch {
  private readonly st: Record<keyof typeof SEARCH_SQL, Database.Statement>;
  private readonly longest: Database.Statement;
  /** Further copies of the postings statements: merged streams run at once, and a statement runs one query at a time. */
  private readonly copies: Record<'opPostings' | 'attrPostings', Database.Statement[]> = { opPostings: [], attrPostings: [] };

  constructor(
    private readonly db: Db,
    private readonly dicts: Dictionaries,
    /** The spans of a stored trace by its ref: for attribute keys outside the index. */
    private readonly spansOf: (ref: number, traceId: string) => Span[],
  ) {
    this.st = {
      row: db.prepare(SEARCH_SQL.row).safeIntegers(true),
      byStart: db.prepare(SEARCH_SQL.byStart).safeIntegers(true).raw(true),
      byService: db.prepare(SEARCH_SQL.byService).safeIntegers(true).raw(true),
      opPostings: db.prepare(SEARCH_SQL.opPostings).safeIntegers(true).raw(true),
      attrPostings: db.prepare(SEARCH_SQL.attrPostings).safeIntegers(true).raw(true),
    };
    this.longest = db.prepare(LONGEST_SQL).pluck().safeIntegers(true);
  }

  /** One read transaction: the postings, the rows and the longest duration they are bounded by agree. */
  find(q: TraceQuery): SearchResult {
    return this.db.transaction(() => this.search(q))();
  }

  private search(q: TraceQuery): SearchResult {
    const plan = this.plan(q);
    const out: SearchResult = [];
    if (!plan) return out;
    const found: Array<{ row: Row; traceId: string }> = [];
    const seen = new Set<number>();
    let slow = 0;
    let kth: { start: bigint; traceId: string } | undefined;
    for (const c of plan.candidates) {
      if (kth && c.bound < kth.start) break;
      if (seen.has(c.ref)) continue;
      seen.add(c.ref);
      const row = this.st.row.get(c.ref) as Row | undefined;
      if (!row) continue; // deleted by retention since the posting was written
      const traceId = row.trace_id.toString('hex');
      if (!this.matches(row, traceId, q, plan)) continue;
      if (plan.slowAttrs.length > 0) {
        if (++slow > SLOW_CANDIDATES) {
          out.incomplete = `${plan.slowAttrs.map((a) => a.key).join(', ')} ${plan.slowAttrs.length === 1 ? 'is' : 'are'} not indexed: searched the newest ${SLOW_CANDIDATES.toLocaleString('en')} traces that matched the rest`;
          break;
        }
        if (!this.slowMatch(row, traceId, plan.slowAttrs)) continue;
      }
      found.push({ row, traceId });
      if (found.length >= q.limit) {
        found.sort(byNewest);
        found.length = q.limit;
        kth = { start: found[q.limit - 1].row.start_ns, traceId: found[q.limit - 1].traceId };
      }
    }
    found.sort(byNewest);
    for (const f of found.slice(0, q.limit)) out.push(this.summary(f.row, f.traceId));
    return out;
  }

  /** Every statement a search may run, with the plan SQLite picks for it (plan tests). */
  explain(db: Db): Record<keyof typeof SEARCH_SQL, string[]> {
    const params: Record<string, unknown> = { upper: 1n, lower: 0n, reach: 1n, service: 1, minDuration: 0n, maxDuration: 1n, key: 1, value: 'x' };
    const out = {} as Record<keyof typeof SEARCH_SQL, string[]>;
    for (const [name, sql] of Object.entries(SEARCH_SQL) as Array<[keyof typeof SEARCH_SQL, string]>) {
      const bind = name === 'row' ? [1] : Object.fromEntries(Object.entries(params).filter(([k]) => sql.includes(`@${k}`)));
      out[name] = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(bind) as Array<{ detail: string }>).map((r) => r.detail);
    }
    return out;
  }

  private plan(q: TraceQuery) {
    const upper = min(q.endNs ?? MAX_NS, q.after?.startNs ?? MAX_NS);
    const lower = q.startNs ?? 0n;
    const service = q.service === undefined ? undefined : this.dicts.findService(q.service);
    if (q.service !== undefined && service === undefined) return undefined;
    const also: number[] = [];
    for (const name of q.alsoServices ?? []) {
      const id = this.dicts.findService(name);
      if (id === undefined) return undefined;
      also.push(id);
    }
    let ops: Set<number> | undefined;
    if (q.operation !== undefined) {
      const ids = q.service !== undefined ? [this.dicts.findOp(q.service, q.operation)].filter((x) => x !== undefined) : this.dicts.opsNamed(q.operation);
      if (ids.length === 0) return undefined;
      ops = new Set(ids as number[]);
    }
    const indexedAttrs: Array<{ keys: number[]; value: string }> = [];
    const slowAttrs: Array<{ key: string; value: string }> = [];
    for (const a of q.attrs) {
      // Found on spans and events (scope 0) or on resources (1): one postings stream each.
      const keys = [this.dicts.findKey(0, a.key), this.dicts.findKey(1, a.key)].filter((k): k is number => k !== undefined);
      const indexed = INDEXED_KEY_SET.has(a.key);
      if (!indexed) slowAttrs.push(a);
      else if (keys.length === 0) return undefined; // an indexed key never seen: no trace has it
      else indexedAttrs.push({ keys, value: a.value });
    }
    const range = { upper, lower };
    // A posting's min_start_ns is the earliest start of its traces when it was written; a trace's start moves
    // earlier when an earlier span arrives (a late root), but never by more than the trace's duration.
    const reach = min(upper + ((this.longest.get() as bigint | undefined) ?? 0n), MAX_NS);
    let candidates: Iterable<Candidate>;
    if (indexedAttrs.length > 0) {
      const first = indexedAttrs[0];
      candidates = merged(first.keys.map((key, i) => postings(this.statement('attrPostings', i), { lower, reach, key, value: first.value })));
    } else if (ops) {
      candidates = merged([...ops].map((key, i) => postings(this.statement('opPostings', i), { lower, reach, key })));
    } else if (service !== undefined) {
      const params = { ...range, service, minDuration: q.minDurationNs ?? 0n, maxDuration: q.maxDurationNs ?? MAX_NS };
      candidates = rows(this.st.byService, params);
    } else {
      candidates = rows(this.st.byStart, range);
    }
    return { candidates, service, also, ops, indexedAttrs, slowAttrs };
  }

  /** The i-th stream's statement of a kind (an operation name in several services is one stream per service). */
  private statement(name: 'opPostings' | 'attrPostings', i: number): Database.Statement {
    if (i === 0) return this.st[name];
    const copies = this.copies[name];
    while (copies.length < i) copies.push(this.db.prepare(SEARCH_SQL[name]).safeIntegers(true).raw(true));
    return copies[i - 1];
  }

  private matches(row: Row, traceId: string, q: TraceQuery, plan: NonNullable<ReturnType<TraceSearch['plan']>>): boolean {
    const start = row.start_ns;
    if (q.startNs !== undefined && start < q.startNs) return false;
    if (q.endNs !== undefined && start > q.endNs) return false;
    if (q.after && (start > q.after.startNs || (start === q.after.startNs && traceId >= q.after.traceId))) return false;
    if (q.minDurationNs !== undefined && row.duration_ns < q.minDurationNs) return false;
    if (q.maxDurationNs !== undefined && row.duration_ns > q.maxDurationNs) return false;
    if (q.errorOnly && row.error_count === 0n) return false;
    if (plan.service !== undefined || plan.also.length > 0 || plan.ops) {
      const ops = decodeOps(row.ops);
      const services = this.servicesOf(ops);
      if (plan.service !== undefined && !services.has(plan.service)) return false;
      if (plan.also.some((s) => !services.has(s))) return false;
      if (plan.ops && ![...plan.ops].some((op) => ops.has(op))) return false;
    }
    if (plan.indexedAttrs.length > 0) {
      const attrs = decodeAttrs(row.attrs);
      if (!plan.indexedAttrs.every((a) => a.keys.some((k) => attrs.has(`${k}\u0000${a.value}`)))) return false;
    }
    return true;
  }

  /** A key outside the index: some span's own, event or resource attribute has the value (its text form), as in the index. */
  private slowMatch(row: Row, traceId: string, attrs: Array<{ key: string; value: string }>): boolean {
    const spans = this.spansOf(row.id, traceId);
    const has = (a: Attributes, key: string, value: string) => Object.hasOwn(a, key) && textForm(a[key]) === value;
    return attrs.every(({ key, value }) =>
      spans.some((s) => has(s.attributes, key, value) || has(s.resource.attributes, key, value) || s.events.some((e) => has(e.attributes, key, value))),
    );
  }

  private servicesOf(ops: Map<number, OpFacts>): Set<number> {
    const out = new Set<number>();
    for (const id of ops.keys()) {
      const op = this.dicts.op(id);
      if (op) out.add(op.serviceId);
    }
    return out;
  }

  private summary(row: Row, traceId: string): TraceSummary {
    const root = this.dicts.op(Number(row.root_op));
    const services = new Set<string>();
    for (const id of decodeOps(row.ops).keys()) {
      const op = this.dicts.op(id);
      if (op) services.add(op.service);
    }
    return {
      traceId,
      rootService: root?.service ?? '',
      rootName: root?.name ?? '',
      startTimeUnixNano: row.start_ns,
      durationNs: row.duration_ns,
      spanCount: Number(row.span_count),
      errorCount: Number(row.error_count),
      services: [...services].sort(),
    };
  }
}

function* rows(st: Database.Statement, params: object): Iterable<Candidate> {
  for (const [ref, start] of st.iterate(params) as Iterable<[bigint, bigint]>) yield { ref: Number(ref), bound: start };
}

interface PostingRow {
  maxStart: bigint;
  refs: number[];
}

function* postings(st: Database.Statement, params: object): Iterator<PostingRow> {
  for (const [maxStart, refs] of st.iterate(params) as Iterable<[bigint, Uint8Array]>) yield { maxStart, refs: decodeRefs(refs) };
}

/** Several postings streams (one per key id), merged newest first. */
function* merged(streams: Array<Iterator<PostingRow>>): Iterable<Candidate> {
  const heads: Array<{ s: Iterator<PostingRow>; r: IteratorResult<PostingRow> }> = [];
  try {
    for (const s of streams) heads.push({ s, r: s.next() });
    for (;;) {
      let best: (typeof heads)[number] | undefined;
      for (const h of heads) if (!h.r.done && (!best || h.r.value.maxStart > (best.r.value as PostingRow).maxStart)) best = h;
      if (!best) return;
      const row = best.r.value as PostingRow;
      for (const ref of row.refs) yield { ref, bound: row.maxStart };
      best.r = best.s.next();
    }
  } finally {
    // A search that stops early must close every statement it left open: the connection is busy until then.
    for (const h of heads) h.s.return?.();
  }
}

function byNewest(a: { row: Row; traceId: string }, b: { row: Row; traceId: string }): number {
  if (a.row.start_ns !== b.row.start_ns) return a.row.start_ns > b.row.start_ns ? -1 : 1;
  return a.traceId > b.traceId ? -1 : a.traceId < b.traceId ? 1 : 0;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** An attribute's text form, as search compares it: strings as they are, numbers as written, booleans. */
export function textForm(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}
