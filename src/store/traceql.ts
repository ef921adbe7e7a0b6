import type Database from 'better-sqlite3';
import type { TraceSummary } from '../model/query.js';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES, type Span } from '../model/span.js';
import type { MatchedSpan, SpansetMatch, SpansetSearch, SpansetSearchResult } from '../model/traceql.js';
import type { Dictionaries } from './dictionaries.js';
import type { Db } from './open.js';
import { decodeRefs } from './postings.js';
import { SEARCH_SQL } from './search.js';
import { decodeAttrs, decodeOps } from './trace-row.js';
import { attributeOf, queriedAttributes, spanMatches, type TraceFacts } from './traceql-match.js';
import { combine, driverOf, needOf, rowAllows, sqlOf, type Driver, type Need, type PlanDictionaries } from './traceql-plan.js';

/**
 * TraceQL search (Tempo's /api/search?q=): the spanset's necessary conditions (store/traceql-plan.ts) compiled to
 * one SQL statement over the indexes, newest first — driven by an indexed attribute's or an operation's postings,
 * one service's trace_service_rows, or trace_rows_start, with the trace-row conditions in its WHERE — then the
 * exact check of the spanset, span by span, on each candidate's spans, which also gives the matched spans. The
 * scan stops once `limit` traces are found and no unseen candidate can start later (as store/search.ts). The spans
 * of at most MAX_INSPECTED candidates are read per search: past that the answer says it may be incomplete (the
 * conditions the indexes could not narrow were checked on the newest candidates only).
 */

const MAX_INSPECTED = 5_000;
const MAX_NS = (1n << 63n) - 1n;
const ROW_COLUMNS = 't.id, t.trace_id, t.start_ns, t.duration_ns, t.span_count, t.error_count, t.root_op, t.ops, t.attrs';

interface Row {
  id: bigint;
  trace_id: Buffer;
  start_ns: bigint;
  duration_ns: bigint;
  span_count: bigint;
  error_count: bigint;
  root_op: bigint;
  ops: Uint8Array;
  attrs: Uint8Array;
}

/** A compiled search: the statements it runs, in order, with their parameters (plan tests EXPLAIN these). */
export interface CompiledSpansetSearch {
  need: Need;
  driver: Driver;
  /** For the start and service drivers, the rows; for postings, the postings, then `row` once per listed trace. */
  driverSql: { sql: string; params: Record<string, unknown> };
  rowSql?: { sql: string; params: unknown[] };
}

export class SpansetSearcher {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly longest: Database.Statement;
  private readonly allServices: Database.Statement;
  private readonly allOps: Database.Statement;

  constructor(
    private readonly db: Db,
    private readonly dicts: Dictionaries,
    private readonly spansOf: (ref: number, traceId: string) => Span[],
  ) {
    this.longest = db.prepare("SELECT value FROM store_meta WHERE key = 'max_trace_duration_ns'").pluck().safeIntegers(true);
    this.allServices = db.prepare('SELECT id, name FROM service_names');
    this.allOps = db.prepare('SELECT o.id, s.name AS service, o.name FROM operation_names AS o JOIN service_names AS s ON s.id = o.service_id');
  }

  /** One read transaction, like the native search. */
  find(q: SpansetSearch): SpansetSearchResult {
    return this.db.transaction(() => this.run(q))();
  }

  compile(q: SpansetSearch): CompiledSpansetSearch {
    const need = needOf(q.expr, this.planDictionaries());
    const driver = driverOf(need);
    const preds: Array<{ sql: string; params: unknown[] }> = [];
    const rest = sqlOf(driver.k === 'service' ? withoutService(need, driver.id) : need);
    if (rest) preds.push(rest);
    if (q.minDurationNs !== undefined) preds.push({ sql: 't.duration_ns >= ?', params: [q.minDurationNs] });
    if (q.maxDurationNs !== undefined) preds.push({ sql: 't.duration_ns <= ?', params: [q.maxDurationNs] });
    const lower = q.startNs ?? 0n;
    const upper = q.endNs ?? MAX_NS;
    const where = preds.map((p) => ` AND (${p.sql})`).join('');
    // Positional parameters of the predicates bound as ?1.. after the named ones would mix styles: number them.
    const named: Record<string, unknown> = {};
    let n = 0;
    const numbered = where.replace(/\?/g, () => `@p${n++}`);
    preds.flatMap((p) => p.params).forEach((v, i) => (named[`p${i}`] = v));
    if (driver.k === 'start') {
      const sql = `SELECT ${ROW_COLUMNS} FROM trace_rows AS t INDEXED BY trace_rows_start
        WHERE t.start_ns <= @upper AND t.start_ns >= @lower${numbered} ORDER BY t.start_ns DESC, t.trace_id DESC`;
      return { need, driver, driverSql: { sql, params: { ...named, upper, lower } } };
    }
    if (driver.k === 'service') {
      const sql = `SELECT ${ROW_COLUMNS}, s.start_ns AS bound FROM trace_service_rows AS s INDEXED BY trace_service_rows_search
        JOIN trace_rows AS t ON t.id = s.trace_ref
        WHERE s.service_id = @service AND s.start_ns <= @upper AND s.start_ns >= @lower${numbered} ORDER BY s.start_ns DESC`;
      return { need, driver, driverSql: { sql, params: { ...named, upper, lower, service: driver.id } } };
    }
    const reach = min(upper + ((this.longest.get() as bigint | undefined) ?? 0n), MAX_NS);
    const postings = driver.k === 'attr' ? SEARCH_SQL.attrPostings : SEARCH_SQL.opPostings;
    const key = driver.k === 'attr' ? driver.keys[0] : driver.ids[0];
    const params: Record<string, unknown> = driver.k === 'attr' ? { lower, reach, key, value: driver.value } : { lower, reach, key };
    const rowSql = `SELECT ${ROW_COLUMNS} FROM trace_rows AS t WHERE t.id = @ref${numbered}`;
    return { need, driver, driverSql: { sql: postings, params }, rowSql: { sql: rowSql, params: [named] } };
  }

  /** EXPLAIN QUERY PLAN of the statements `q` compiles to. */
  explain(q: SpansetSearch): { driver: string[]; row?: string[] } {
    const c = this.compile(q);
    const plan = (sql: string, params: unknown) => (this.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params as object) as Array<{ detail: string }>).map((r) => r.detail);
    const out: { driver: string[]; row?: string[] } = { driver: plan(c.driverSql.sql, c.driverSql.params) };
    if (c.rowSql) out.row = plan(c.rowSql.sql, { ...(c.rowSql.params[0] as object), ref: 1 });
    return out;
  }

  private run(q: SpansetSearch): SpansetSearchResult {
    this.dicts.refresh();
    const c = this.compile(q);
    const out: SpansetSearchResult = { traces: [], inspectedTraces: 0 };
    if (c.need.k === 'none') return out;
    const keys = queriedAttributes(q.expr);
    const found: Array<{ row: Row; traceId: string; spans: Span[]; matched: Span[] }> = [];
    let kth: bigint | undefined;
    const seen = new Set<number>();
    for (const { row, bound } of this.candidates(c)) {
      if (kth !== undefined && bound < kth) break;
      const ref = Number(row.id);
      if (seen.has(ref)) continue;
      seen.add(ref);
      if (row.start_ns < (q.startNs ?? 0n) || row.start_ns > (q.endNs ?? MAX_NS)) continue;
      if (kth !== undefined && row.start_ns < kth) continue; // older than the page: its spans need not be read
      if (!this.rowAllows(c.need, row)) continue;
      if (out.inspectedTraces >= MAX_INSPECTED) {
        out.incomplete = `the query has conditions the indexes cannot narrow: checked the spans of the newest ${MAX_INSPECTED.toLocaleString('en')} candidate traces`;
        break;
      }
      out.inspectedTraces++;
      const traceId = row.trace_id.toString('hex');
      const spans = this.spansOf(ref, traceId);
      const facts = this.facts(row);
      const matched = spans.filter((s) => spanMatches(q.expr, s, facts));
      if (matched.length === 0) continue;
      found.push({ row, traceId, spans, matched });
      if (found.length >= q.limit) {
        found.sort(byNewest);
        found.length = q.limit;
        kth = found[q.limit - 1].row.start_ns;
      }
    }
    found.sort(byNewest);
    out.traces = found.slice(0, q.limit).map((f): SpansetMatch => ({
      trace: this.summary(f.row, f.traceId, f.spans),
      spans: f.matched.slice(0, q.spansPerSet).map((s) => matchedSpan(s, keys)),
      matched: f.matched.length,
      serviceStats: serviceStats(f.spans),
    }));
    return out;
  }

  /** The driver's rows newest first, each with the latest start any row not yet yielded can have. */
  private *candidates(c: CompiledSpansetSearch): Iterable<{ row: Row; bound: bigint }> {
    if (!c.rowSql) {
      for (const row of this.statement(c.driverSql.sql).iterate(c.driverSql.params) as Iterable<Row & { bound?: bigint }>) {
        yield { row, bound: row.bound ?? row.start_ns };
      }
      return;
    }
    const rowSt = this.statement(c.rowSql.sql);
    const rowParams = c.rowSql.params[0] as Record<string, unknown>;
    const ids = c.driver.k === 'attr' ? c.driver.keys : c.driver.k === 'ops' ? c.driver.ids : [];
    // One postings stream per key (an operation name in several services, a key on spans and on resources), merged.
    const streams = ids.map((key, i) => {
      const st = i === 0 ? this.statement(c.driverSql.sql) : this.statement(`${c.driverSql.sql} -- ${i}`);
      return (st.raw(true).iterate({ ...c.driverSql.params, key }) as IterableIterator<[bigint, Uint8Array]>)[Symbol.iterator]();
    });
    try {
      const heads = streams.map((s) => ({ s, r: s.next() }));
      for (;;) {
        let best: (typeof heads)[number] | undefined;
        for (const h of heads) if (!h.r.done && (!best || h.r.value[0] > (best.r.value as [bigint])[0])) best = h;
        if (!best) return;
        const [maxStart, refs] = best.r.value as [bigint, Uint8Array];
        // A posting lists a commit's traces in ref order; their rows are read anyway, so take them newest first:
        // then once a page is full the rest of the posting is skipped without reading their spans.
        const rows: Row[] = [];
        for (const ref of decodeRefs(refs)) {
          const row = rowSt.get({ ...rowParams, ref }) as Row | undefined;
          if (row) rows.push(row);
        }
        rows.sort((a, b) => (a.start_ns === b.start_ns ? 0 : a.start_ns > b.start_ns ? -1 : 1));
        for (const row of rows) yield { row, bound: maxStart };
        best.r = best.s.next();
      }
    } finally {
      for (const s of streams) s.return?.();
    }
  }

  private rowAllows(need: Need, row: Row): boolean {
    const ops = decodeOps(row.ops);
    const services = new Set<number>();
    for (const id of ops.keys()) {
      const op = this.dicts.op(id);
      if (op) services.add(op.serviceId);
    }
    return rowAllows(need, { ops, services, attrs: () => decodeAttrs(row.attrs) });
  }

  private facts(row: Row): TraceFacts {
    const root = this.dicts.op(Number(row.root_op));
    return { rootName: root?.name ?? '', rootServiceName: root?.service ?? '', durationNs: row.duration_ns };
  }

  private summary(row: Row, traceId: string, spans: Span[]): TraceSummary {
    const facts = this.facts(row);
    return {
      traceId,
      rootService: facts.rootServiceName,
      rootName: facts.rootName,
      startTimeUnixNano: row.start_ns,
      durationNs: row.duration_ns,
      spanCount: Number(row.span_count),
      errorCount: Number(row.error_count),
      services: [...new Set(spans.map((s) => s.service))].sort(),
    };
  }

  private statement(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      if (this.statements.size >= 200) this.statements.clear(); // query shapes, not values: a few dozen in practice
      st = this.db.prepare(sql).safeIntegers(true);
      this.statements.set(sql, st);
    }
    return st;
  }

  private planDictionaries(): PlanDictionaries {
    let services: Array<{ id: number; name: string }> | undefined;
    let ops: Array<{ id: number; service: string; name: string }> | undefined;
    return {
      services: () => (services ??= this.allServices.all() as Array<{ id: number; name: string }>),
      ops: () => (ops ??= this.allOps.all() as Array<{ id: number; service: string; name: string }>),
      findService: (name) => this.dicts.findService(name),
      opsNamed: (name) => this.dicts.opsNamed(name),
      findKey: (scope, key) => this.dicts.findKey(scope, key),
    };
  }
}

/** The need less the one service that drives the scan (its rows are that service's already). */
function withoutService(need: Need, id: number): Need {
  const isDriver = (p: Need) => p.k === 'services' && p.ids.length === 1 && p.ids[0] === id;
  if (isDriver(need)) return { k: 'all' };
  return need.k === 'and' ? combine('and', need.parts.filter((p) => !isDriver(p))) : need;
}

function matchedSpan(s: Span, keys: ReturnType<typeof queriedAttributes>): MatchedSpan {
  const attributes: MatchedSpan['attributes'] = [];
  for (const f of keys) {
    if (f.type === 'intrinsic') {
      const v = f.name === 'status' ? STATUS_CODE_NAMES[s.statusCode] : f.name === 'kind' ? SPAN_KIND_NAMES[s.kind] : s.statusMessage;
      if (v !== undefined) attributes.push({ key: f.name, value: v });
      continue;
    }
    const v = attributeOf(s, f);
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') attributes.push({ key: f.key, value: v });
  }
  return { spanId: s.spanId, name: s.name, startTimeUnixNano: s.startTimeUnixNano, durationNs: s.endTimeUnixNano - s.startTimeUnixNano, attributes };
}

function serviceStats(spans: Span[]): SpansetMatch['serviceStats'] {
  const out: SpansetMatch['serviceStats'] = {};
  for (const s of spans) {
    const st = (out[s.service] ??= { spanCount: 0, errorCount: 0 });
    st.spanCount++;
    if (s.error) st.errorCount++;
  }
  return out;
}

function byNewest(a: { row: Row; traceId: string }, b: { row: Row; traceId: string }): number {
  if (a.row.start_ns !== b.row.start_ns) return a.row.start_ns > b.row.start_ns ? -1 : 1;
  return a.traceId > b.traceId ? -1 : a.traceId < b.traceId ? 1 : 0;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
