import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpansetSearch } from '../../src/model/traceql.js';
import { parseTraceql } from '../../src/query/traceql/index.js';
import { BASE_NS, makeResource, makeSpan, MS, spanId, tempStore, traceId, type TempStore } from '../fixtures/store-spans.js';

/**
 * TraceQL compiled to SQL on the indexes (store/traceql-plan.ts, store/traceql.ts): which index drives each form
 * newest first, the trace-row conditions in its WHERE, and the plans SQLite picks for the compiled statements —
 * never a full scan of trace_rows, chunks or the postings, never a sort — on an empty database and on one with
 * statistics (ANALYZE). And the spans read: only the candidates' the page needs, not every trace's.
 */
let empty: TempStore;
let analyzed: TempStore;
const q = (text: string): SpansetSearch => ({ expr: parseTraceql(text), limit: 20, spansPerSet: 3 });

beforeAll(() => {
  empty = tempStore();
  analyzed = tempStore();
  const web = makeResource('web');
  const api = makeResource('api', { 'deployment.environment.name': 'prod' });
  for (const s of [empty, analyzed]) {
    s.write([makeSpan({ traceId: traceId(1), spanId: spanId(1), resource: web, name: 'GET /', attributes: { 'http.request.method': 'GET' } })], 0);
    s.write([makeSpan({ traceId: traceId(1), spanId: spanId(2), parentSpanId: spanId(1), resource: api, name: 'POST /pay', startTimeUnixNano: BASE_NS + MS })], 0);
  }
  for (let i = 2; i < 300; i++) analyzed.write([makeSpan({ traceId: traceId(i), spanId: spanId(i * 10), resource: i % 2 ? web : api, name: `op ${i % 7}`, startTimeUnixNano: BASE_NS + BigInt(i) * MS, endTimeUnixNano: BASE_NS + BigInt(i + 1) * MS, attributes: { 'http.request.method': i % 3 ? 'GET' : 'POST' } })], 0);
  analyzed.db.exec('ANALYZE');
});
afterAll(() => {
  empty.close();
  analyzed.close();
});


const STORES: Array<[string, () => TempStore]> = [
  ['empty', () => empty],
  ['analyzed', () => analyzed],
];

const ROWS_BY_START = 'SEARCH t USING INDEX trace_rows_start (start_ns>? AND start_ns<?)';
const ROW_BY_REF = 'SEARCH t USING INTEGER PRIMARY KEY (rowid=?)';
const JSON_LIST = ['LIST SUBQUERY 1', 'SCAN json_each VIRTUAL TABLE INDEX 1:'];

/** No full scan of a table of traces or spans, no sort: a table-valued json_each of bound IDs is the only SCAN. */
function assertIndexed(plan: { driver: string[]; row?: string[] }): void {
  for (const line of [...plan.driver, ...(plan.row ?? [])]) {
    expect(line).not.toMatch(/^SCAN (?!json_each)/);
    expect(line).not.toMatch(/TEMP B-TREE/);
  }
}

describe.each(STORES)('TraceQL plans on an %s database', (_name, store) => {
  const explain = (text: string) => {
    const plan = store().reader.explainSpansets(q(text));
    assertIndexed(plan);
    return plan;
  };

  it('{} walks trace_rows_start newest first', () => {
    expect(explain('{}')).toEqual({ driver: [ROWS_BY_START] });
  });

  it('a service: its trace_service_rows, newest first, each trace row by key', () => {
    expect(explain('{resource.service.name="web"}')).toEqual({
      driver: ['SEARCH s USING COVERING INDEX trace_service_rows_search (service_id=? AND start_ns>? AND start_ns<?)', ROW_BY_REF],
    });
  });

  it('a span name: the operation postings, then each listed trace row by key', () => {
    expect(explain('{name="GET /"}')).toEqual({ driver: ['SEARCH op_postings USING INDEX op_postings_search (op_id=? AND max_start_ns>?)'], row: [ROW_BY_REF] });
  });

  it('an indexed attribute value: its postings drive; another service condition is an EXISTS on the primary key', () => {
    expect(explain('{.http.request.method="GET"}')).toEqual({
      driver: ['SEARCH attr_postings USING INDEX attr_postings_search (key_id=? AND value=? AND max_start_ns>?)'],
      row: [ROW_BY_REF],
    });
    expect(explain('{resource.service.name="web" && .deployment.environment.name="prod"}')).toEqual({
      driver: ['SEARCH attr_postings USING INDEX attr_postings_search (key_id=? AND value=? AND max_start_ns>?)'],
      row: ['SEARCH ts EXISTS USING PRIMARY KEY (trace_ref=? AND service_id=?)', ...JSON_LIST, ROW_BY_REF],
    });
  });

  it('trace-row facts (error, root operation, duration) go in the WHERE of the start scan; || of services too', () => {
    const facts = explain('{status=error && rootServiceName="web" && traceDuration>1s}');
    expect(facts.driver.slice(0, 3)).toEqual([ROWS_BY_START, ...JSON_LIST]);
    expect(explain('{resource.service.name="web" || resource.service.name="api"}')).toEqual({
      driver: [ROWS_BY_START, 'SEARCH ts EXISTS USING PRIMARY KEY (trace_ref=? AND service_id=?)', ...JSON_LIST],
    });
  });

  it('conditions the indexes cannot narrow leave the start scan alone', () => {
    expect(explain('{.user.id="u1"}')).toEqual({ driver: [ROWS_BY_START] });
    expect(explain('{span.http.request.method!="GET"}')).toEqual({ driver: [ROWS_BY_START] });
    expect(explain('{duration<5ms}')).toEqual({ driver: [ROWS_BY_START] });
  });

  it('tag names and values: the dictionaries, and the attribute index in value order', () => {
    expect(store().reader.explainTags()).toEqual({
      keys: ['SCAN attribute_keys', 'USE TEMP B-TREE FOR ORDER BY'], // the dictionary, read whole (a few dozen keys)
      keyId: ['SEARCH attribute_keys USING COVERING INDEX sqlite_autoindex_attribute_keys_1 (scope=? AND key=?)'],
      values: ['SEARCH attr_postings USING COVERING INDEX attr_postings_search (key_id=?)'],
      services: ['SCAN service_names USING COVERING INDEX sqlite_autoindex_service_names_1'],
      spanNames: ['SCAN operation_names', 'USE TEMP B-TREE FOR DISTINCT'], // the dictionary, read whole
    });
  });
});

describe('what each form compiles to', () => {
  const compiled = (text: string) => analyzed.reader.compileSpansets(q(text));

  it('drivers: an indexed value before a span name before one service; regexes and || over the dictionary', () => {
    expect(compiled('{resource.service.name="web" && name="GET /" && .http.request.method="POST"}').driver.k).toBe('attr');
    expect(compiled('{resource.service.name="web" && name="GET /"}').driver.k).toBe('ops');
    expect(compiled('{name=~"op [12]"}').driver).toEqual({ k: 'ops', ids: expect.any(Array) });
    expect((compiled('{name=~"op [12]"}').driver as { ids: number[] }).ids).toHaveLength(4); // op 1, op 2 in web and api
    expect((compiled('{name="op 1" || name="op 2"}').driver as { ids: number[] }).ids).toHaveLength(4);
    expect(compiled('{name="GET /" || .user.id="x"}').driver.k).toBe('start');
  });

  it('a value no trace can have compiles to nothing to run', () => {
    expect(compiled('{resource.service.name="nobody"}').need).toEqual({ k: 'none' });
    expect(compiled('{name="never"}').need).toEqual({ k: 'none' });
    expect(compiled('{.http.route="/never" }').need).toEqual({ k: 'none' }); // an indexed key never stored
    expect(analyzed.reader.searchSpansets(q('{name="never"}'))).toEqual({ traces: [], inspectedTraces: 0 });
  });

  it('the SQL parameters are bound, never spliced', () => {
    const c = compiled('{rootName="GET /" && traceDuration>1s}');
    expect(c.driverSql.sql).toMatch(/t\.root_op IN \(SELECT value FROM json_each\(@p0\)\) *\) AND \(t\.duration_ns > @p1\)/);
    expect(c.driverSql.params).toMatchObject({ p0: '[1]', p1: 1_000_000_000n });
    const v = compiled(`{.http.request.method="GET' OR 1=1 --" || .http.request.method="GET"}`);
    expect(v.driverSql.sql).not.toContain('OR 1=1');
  });
});

describe('spans read per search', () => {
  it('only the candidates the page needs: indexed conditions never read every trace', () => {
    const page = (text: string, limit: number) => analyzed.reader.searchSpansets({ ...q(text), limit });
    expect(page('{resource.service.name="web"}', 5)).toMatchObject({ inspectedTraces: 5 });
    expect(page('{name="GET /"}', 5)).toMatchObject({ inspectedTraces: 1 });
    expect(page('{.http.request.method="POST" && resource.service.name="web"}', 3).traces).toHaveLength(3);
    expect(page('{.http.request.method="POST" && resource.service.name="web"}', 3).inspectedTraces).toBe(3);
  });
});
