import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceQuery } from '../../src/model/query.js';
import { explainSql, GET_TRACE_SQL, SqliteTraceReader } from '../../src/store/reader.js';
import { SqliteSpanWriter } from '../../src/store/writer.js';
import { tempDb } from '../fixtures/store-db.js';
import { BASE_NS, MS } from '../fixtures/store-records.js';
import { searchData } from '../fixtures/store-search-data.js';

/**
 * The plans the reader's exact statements get. A wrong plan costs 50 ms–0.7 s at 1–5M spans
 * (performance.md §4b), so these fail loudly instead of letting a schema change slow searches silently.
 */

let store: ReturnType<typeof tempDb>;
let reader: SqliteTraceReader;

beforeAll(() => {
  store = tempDb();
  new SqliteSpanWriter(store.db).writeSpans(searchData().records);
  store.db.exec('ANALYZE'); // plans must hold with statistics too, not only on an empty, un-analyzed db
  reader = new SqliteTraceReader(store.db);
});
afterAll(() => store.close());

const q = (extra: Partial<TraceQuery>): TraceQuery => ({ errorOnly: false, attrs: [], limit: 20, ...extra });
const after = { startNs: BASE_NS + 9_000n * MS, traceId: 'f'.repeat(32) };
const attrs = [{ key: 'http.status_code', value: '500' }];

const SHAPES: Array<[string, TraceQuery]> = [
  ['no filter', q({})],
  ['no filter, next page', q({ after })],
  ['time range', q({ startNs: BASE_NS, endNs: BASE_NS + 5_000n * MS })],
  ['service', q({ service: 'db' })],
  ['service, next page', q({ service: 'db', after })],
  ['service + duration', q({ service: 'db', minDurationNs: 5n * MS, maxDurationNs: 50n * MS })],
  ['service + time + duration', q({ service: 'db', startNs: BASE_NS, endNs: BASE_NS + 5_000n * MS, minDurationNs: 5n * MS })],
  ['service + operation', q({ service: 'db', operation: 'SELECT' })],
  ['operation', q({ operation: 'SELECT' })],
  ['error', q({ errorOnly: true })],
  ['service + error', q({ service: 'auth', errorOnly: true })],
  ['attrs', q({ attrs })],
  ['service + attrs', q({ service: 'frontend', attrs: [...attrs, { key: 'cache.hit', value: 'true' }] })],
];

function noSpanScan(plan: string[]): void {
  expect(plan.filter((line) => /^SCAN (spans|s)\b/.test(line))).toEqual([]);
  for (const line of plan.filter((l) => /\bs\b|spans/.test(l) && l.startsWith('SEARCH'))) {
    expect(line).toMatch(/USING INDEX spans_trace_span \(trace_id=\?\)/);
  }
}

describe('query plans', () => {
  it.each(SHAPES)('%s: no full scan of spans, newest first without a sort', (_name, query) => {
    const plan = reader.explain(query);
    noSpanScan(plan);
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
  });

  it.each(SHAPES.filter(([, query]) => query.service !== undefined))(
    '%s: walks trace_services by (service, start) and joins traces by key',
    (_name, query) => {
      const plan = reader.explain(query);
      expect(plan[0]).toMatch(/^SEARCH ts USING COVERING INDEX trace_services_search \(service=\?/);
      expect(plan).toContain('SEARCH t USING PRIMARY KEY (trace_id=?)');
      expect(plan.join('\n')).not.toMatch(/SCAN (t|traces)\b/);
    },
  );

  it('bounds the time range and the cursor inside the index', () => {
    expect(reader.explain(q({ service: 'db', after }))[0]).toContain('(service=? AND (start_ns,trace_id)<(?,?))');
    expect(reader.explain(q({ service: 'db', startNs: 1n, endNs: 2n }))[0]).toContain('start_ns>? AND start_ns<?');
    expect(reader.explain(q({ startNs: 1n }))[0]).toBe('SEARCH t USING INDEX traces_start (start_ns>?)');
  });

  it('the checks above do catch a full scan', () => {
    const plan = explainSql(store.db, 'SELECT trace_id FROM spans WHERE name = ?', ['x']);
    expect(() => noSpanScan(plan)).toThrow();
  });

  it('reads a trace through spans_trace_span and joins dimensions by rowid', () => {
    const plan = explainSql(store.db, GET_TRACE_SQL, ['0'.repeat(32)]);
    expect(plan[0]).toBe('SEARCH s USING INDEX spans_trace_span (trace_id=?)');
    expect(plan).toContain('SEARCH r USING INTEGER PRIMARY KEY (rowid=?) LEFT-JOIN');
    noSpanScan(plan);
  });
});
