import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRIES_SQL } from '../../src/store/analysis-reader.js';
import type { Db } from '../../src/store/open.js';
import { explainSql, GET_TRACE_SQL } from '../../src/store/reader.js';
import { SEARCH_SQL } from '../../src/store/search.js';
import { WINDOW_SQL } from '../../src/store/stats-reader.js';
import { searchData } from '../fixtures/store-search-spans.js';
import { tempStore, type TempStore } from '../fixtures/store-spans.js';

/**
 * The plans SQLite picks for the store's statements. A wrong plan costs 50 ms–0.7 s at 1–5M spans
 * (performance.md §4b), so these fail loudly instead of letting a schema change slow reads silently. They hold
 * on a database with statistics (ANALYZE) and on one without, and cover every statement the writer, the
 * readers and retention prepare (found on the objects themselves, so a new statement is covered too).
 */

let empty: TempStore;
let analyzed: TempStore;

beforeAll(() => {
  empty = tempStore({ limits: { maxSpans: 1 } });
  analyzed = tempStore({ limits: { maxSpans: 1 } });
  for (const batch of searchData().batches) analyzed.write(batch, 0);
  analyzed.committer.expire(60_000);
  analyzed.db.exec('ANALYZE'); // plans must hold with statistics too, not only on an empty, un-analyzed db
  // A search by an operation two services share runs a second copy of the postings statement.
  for (const s of [empty, analyzed]) s.reader.findTraces({ errorOnly: false, attrs: [], limit: 5, operation: 'SELECT' });
});
afterAll(() => {
  empty.close();
  analyzed.close();
});

const STORES: Array<[string, () => TempStore]> = [
  ['empty', () => empty],
  ['analyzed', () => analyzed],
];

describe.each(STORES)('plans on an %s database', (_name, store) => {
  it('search: each statement walks its index newest first, without a sort', () => {
    expect(store().reader.explain()).toEqual({
      row: ['SEARCH trace_rows USING INTEGER PRIMARY KEY (rowid=?)'],
      byStart: ['SEARCH trace_rows USING COVERING INDEX trace_rows_start (start_ns>? AND start_ns<?)'],
      byService: ['SEARCH trace_service_rows USING COVERING INDEX trace_service_rows_search (service_id=? AND start_ns>? AND start_ns<?)'],
      opPostings: ['SEARCH op_postings USING INDEX op_postings_search (op_id=? AND max_start_ns>?)'],
      attrPostings: ['SEARCH attr_postings USING INDEX attr_postings_search (key_id=? AND value=? AND max_start_ns>?)'],
    });
  });

  it('a whole trace: its ref by the unique trace_id index, then its chunks by ref, in arrival order', () => {
    expect(explainSql(store().db, GET_TRACE_SQL, [Buffer.alloc(16)])).toEqual([
      'SEARCH t USING COVERING INDEX sqlite_autoindex_trace_rows_1 (trace_id=?)',
      'SEARCH c USING INDEX chunks_trace (trace_ref=?)',
    ]);
  });

  it('analysis: entry spans by start, their trace by key; the graph by minute', () => {
    expect(store().analysis.explain()).toEqual({
      entries: ['SEARCH e USING INDEX entry_spans_start (start_ns>? AND start_ns<?)', 'SEARCH t USING INTEGER PRIMARY KEY (rowid=?)'],
      dependencies: ['SEARCH dependency_minutes USING PRIMARY KEY (minute>? AND minute<?)', 'USE TEMP B-TREE FOR GROUP BY'],
    });
  });

  it('stats: a window reads its minutes through op_minutes_minute and its whole hours through op_hours_hour', () => {
    expect(store().stats.explain()).toEqual([
      'SEARCH op_minutes USING INDEX op_minutes_minute (minute>? AND minute<?)',
      'SEARCH op_hours USING INDEX op_hours_hour (hour>? AND hour<?)',
    ]);
  });

  it('retention: the rows of a trace by its ref, entry spans by their start, postings and minutes by age', () => {
    const plans = statementPlans(store());
    expect(plans).toMatchObject({
      'retention.st.delChunks': ['SEARCH chunks USING INDEX chunks_trace (trace_ref=?)'],
      'retention.st.delServices': ['SEARCH trace_service_rows USING PRIMARY KEY (trace_ref=?)'],
      'retention.st.delTrace': ['SEARCH trace_rows USING INTEGER PRIMARY KEY (rowid=?)'],
      'retention.st.delEntries': ['SEARCH entry_spans USING INDEX entry_spans_start (start_ns>? AND start_ns<?)'],
      'retention.st.delOpPostings': ['SEARCH op_postings USING INDEX op_postings_age (max_start_ns<?)'],
      'retention.st.delAttrPostings': ['SEARCH attr_postings USING INDEX attr_postings_age (max_start_ns<?)'],
      'retention.st.delOpMinutes': ['SEARCH op_minutes USING INDEX op_minutes_minute (minute<?)'],
      'retention.st.delServiceMinutes': ['SEARCH service_minutes USING INDEX service_minutes_minute (minute<?)'],
      'retention.st.delTraceMinutes': ['SEARCH trace_minutes USING PRIMARY KEY (minute<?)'],
      'retention.st.delDependencies': ['SEARCH dependency_minutes USING PRIMARY KEY (minute<?)'],
    });
  });

  it('the writer: a trace by its ID, its rows by ref, stats and dimensions by key', () => {
    expect(statementPlans(store())).toMatchObject({
      'committer.traces.st.find': ['SEARCH trace_rows USING INDEX sqlite_autoindex_trace_rows_1 (trace_id=?)'],
      'committer.traces.st.services': ['SEARCH trace_service_rows USING PRIMARY KEY (trace_ref=?)'],
      'committer.traces.st.update': ['SEARCH trace_rows USING INTEGER PRIMARY KEY (rowid=?)'],
      'committer.traces.st.moveServices': ['SEARCH trace_service_rows USING PRIMARY KEY (trace_ref=?)'],
      'committer.minuteStats.getSketch': ['SEARCH op_minutes USING PRIMARY KEY (service=? AND name=? AND kind=? AND role=? AND callee=? AND minute=?)'],
      'committer.st.getDim': ['SEARCH dimensions USING PRIMARY KEY (hash=?)'],
      'committer.st.chunksOf': ['SEARCH chunks USING INDEX chunks_trace (trace_ref=?)'],
    });
  });

  it('every statement of the writer, the readers and retention: no full scan or sort but the intended ones', () => {
    const plans = statementPlans(store());
    expect(Object.keys(plans).length).toBeGreaterThan(50);
    const unexpected = Object.entries(plans).flatMap(([name, plan]) =>
      plan.filter((l) => /^SCAN |TEMP B-TREE/.test(l) && !INTENDED.some(([n, line]) => n.test(name) && line.test(l))).map((l) => `${name}: ${l}`),
    );
    expect(unexpected).toEqual([]);
    if (process.env.SHOW_PLANS) console.log(plans);
    // The intended ones are there (the list is not stale).
    for (const [n, line, why] of INTENDED) {
      expect(Object.entries(plans).some(([name, plan]) => n.test(name) && plan.some((l) => line.test(l))), why).toBe(true);
    }
  });

  it('every statement that names a per-trace table reaches it through an index or its key', () => {
    const plans = statementPlans(store());
    for (const [name, plan] of Object.entries(plans)) {
      for (const line of plan.filter((l) => /^(SEARCH|SCAN) (trace_rows|chunks|trace_service_rows|op_postings|attr_postings|entry_spans)\b/.test(l))) {
        if (/^SCAN trace_rows$/.test(line)) expect(name, 'only retention reads trace_rows in key order').toMatch(/^retention\.st\.oldest/);
        else expect(line, name).toMatch(/USING (COVERING )?(INDEX|PRIMARY KEY|INTEGER PRIMARY KEY)/);
      }
    }
  });
});

/** Full scans and sorts that are meant: [statement path, plan line, why]. */
const INTENDED: Array<[RegExp, RegExp, string]> = [
  [/dicts\.st\.all(Services|Ops|Keys)$/, /^SCAN (service_names|operation_names|attribute_keys)$/, 'the small dictionaries are read whole into memory'],
  [/dicts\.st\.latest$/, /^SCAN CONSTANT ROW$/, 'three max(id) probes in one row'],
  [/(^|\.)stats\.st\.span$/, /^SCAN CONSTANT ROW$/, 'the first and last minute stored: two index probes in one row'],
  [/(^|\.)stats\.st\.endpoints$/, /^SCAN endpoints$/, 'the address → service map, read whole'],
  [/(^|\.)stats\.st\.(minute|hour)(Counts|Traces)$/, /^USE TEMP B-TREE FOR GROUP BY$/, "a window's counts summed per service (and role)"],
  [/analysis\.deps$/, /^USE TEMP B-TREE FOR GROUP BY$/, 'a window of the graph summed per edge'],
  [/^retention\.st\.pages$/, /^SCAN pragma_(page_count|page_size|freelist_count) VIRTUAL TABLE/, 'the database size, from the pragmas'],
  [
    /^reader\.(spansets\.all(Services|Ops)|tags\.st\.(keys|services|spanNames))$/,
    /^(SCAN (service_names|operation_names|attribute_keys|o|s)( USING COVERING INDEX sqlite_autoindex_service_names_1)?|USE TEMP B-TREE FOR (ORDER BY|DISTINCT))$/,
    'TraceQL regexes over names and the Tempo tag lists read the small dictionaries whole',
  ],
  [/^retention\.st\.oldest/, /^SCAN trace_rows( USING (COVERING )?INDEX trace_rows_start)?$/, 'the oldest traces, read from the low end of an index and stopped by LIMIT'],
];

describe('the checks above', () => {
  it('do catch a full scan', () => {
    const plan = explainSql(empty.db, 'SELECT trace_ref FROM chunks WHERE length(data) > ?', [1]);
    expect(plan).toEqual(['SCAN chunks']);
    expect(explainSql(empty.db, 'SELECT id FROM trace_rows WHERE span_count > ? ORDER BY start_ns DESC', [1])).toEqual([
      'SCAN trace_rows USING INDEX trace_rows_start',
    ]);
  });

  it('see the SQL the readers run', () => {
    expect(Object.values(statementPlans(empty)).length).toBeGreaterThan(0);
    const sources = statementSources(empty);
    for (const sql of [GET_TRACE_SQL, ENTRIES_SQL, WINDOW_SQL, ...Object.values(SEARCH_SQL)]) expect(sources).toContain(sql);
  });
});

/** Every prepared statement reachable from the store's objects, by the path of fields that holds it. */
function statements(store: TempStore): Map<string, Database.Statement> {
  const found = new Map<string, Database.Statement>();
  const seen = new Set<object>();
  const walk = (v: unknown, at: string, depth: number) => {
    if (v === null || typeof v !== 'object' || seen.has(v) || depth > 6) return;
    seen.add(v);
    if (isStatement(v)) {
      if (!found.has(at)) found.set(at, v);
      return;
    }
    if (ArrayBuffer.isView(v) || v instanceof Map || v instanceof Set || isDatabase(v)) return;
    for (const [k, x] of Object.entries(v)) walk(x, at === '' ? k : `${at}.${k}`, depth + 1);
  };
  const { committer, reader, stats, analysis, retention } = store;
  walk({ committer, reader, stats, analysis, retention }, '', 0);
  return found;
}

function isStatement(v: object): v is Database.Statement {
  return typeof (v as { source?: unknown }).source === 'string' && typeof (v as { reader?: unknown }).reader === 'boolean';
}

function isDatabase(v: object): boolean {
  return typeof (v as { prepare?: unknown }).prepare === 'function' && typeof (v as { pragma?: unknown }).pragma === 'function';
}

function statementSources(store: TempStore): string[] {
  return [...statements(store).values()].map((s) => s.source);
}

/** EXPLAIN QUERY PLAN of every statement, its parameters bound to placeholders. */
function statementPlans(store: TempStore): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, st] of statements(store)) out[name] = explainAny(store.db, st.source);
  return out;
}

function explainAny(db: Db, sql: string): string[] {
  const named = [...new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1]))];
  const positional = (sql.replace(/'[^']*'/g, '').match(/\?/g) ?? []).length;
  const stmt = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const rows = (named.length > 0 ? stmt.all(Object.fromEntries(named.map((n) => [n, 1]))) : stmt.all(...new Array(positional).fill(1))) as Array<{
    detail: string;
  }>;
  return rows.map((r) => r.detail);
}
