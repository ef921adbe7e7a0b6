import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceQuery } from '../../src/model/query.js';
import { SqliteTraceReader } from '../../src/store/reader.js';
import { SqliteSpanWriter } from '../../src/store/writer.js';
import { tempDb } from '../fixtures/store-db.js';
import { BASE_NS, makeRecord, MS, traceId } from '../fixtures/store-records.js';
import { oracle, searchData, type TraceFacts } from '../fixtures/store-search-data.js';

let store: ReturnType<typeof tempDb>;
let reader: SqliteTraceReader;
let facts: TraceFacts[];

beforeAll(() => {
  store = tempDb();
  const data = searchData();
  facts = data.facts;
  const writer = new SqliteSpanWriter(store.db);
  // Two batches, reversed, so summaries are built across writes.
  writer.writeSpans(data.records.slice(70).reverse());
  writer.writeSpans(data.records.slice(0, 70));
  reader = new SqliteTraceReader(store.db);
});
afterAll(() => store.close());

const q = (extra: Partial<TraceQuery>): TraceQuery => ({ errorOnly: false, attrs: [], limit: 1000, ...extra });

const CASES: Array<[string, TraceQuery]> = [
  ['no filter', q({})],
  ['service', q({ service: 'db' })],
  ['service with no traces', q({ service: 'nobody' })],
  ['min duration', q({ minDurationNs: 30n * MS })],
  ['max duration', q({ maxDurationNs: 10n * MS })],
  ['service + duration range', q({ service: 'auth', minDurationNs: 5n * MS, maxDurationNs: 40n * MS })],
  ['time range', q({ startNs: BASE_NS + 5_000n * MS, endNs: BASE_NS + 12_000n * MS })],
  ['service + time range', q({ service: 'frontend', startNs: BASE_NS + 20_000n * MS })],
  ['errors', q({ errorOnly: true })],
  ['service + errors', q({ service: 'auth', errorOnly: true })],
  ['operation of any service', q({ operation: 'SELECT' })],
  ['service + operation', q({ service: 'frontend', operation: 'GET /item/1' })],
  ['operation of another service', q({ service: 'frontend', operation: 'SELECT' })],
  ['span attr, number', q({ attrs: [{ key: 'http.status_code', value: '500' }] })],
  ['span attr, boolean', q({ attrs: [{ key: 'cache.hit', value: 'true' }] })],
  ['span attr, real', q({ attrs: [{ key: 'ratio', value: '0.25' }] })],
  ['span attr, string', q({ attrs: [{ key: 'db.system', value: 'postgresql' }] })],
  ['resource attr, string', q({ attrs: [{ key: 'deployment.environment', value: 'staging' }] })],
  ['resource attr, number', q({ attrs: [{ key: 'k8s.replicas', value: '3' }] })],
  ['resource attr, false', q({ attrs: [{ key: 'feature.on', value: 'false' }] })],
  ['attr text form is exact', q({ attrs: [{ key: 'http.status_code', value: '500.0' }] })],
  ['attr of a missing key', q({ attrs: [{ key: 'nope', value: '1' }] })],
  ['two attrs (AND), span + resource', q({ attrs: [{ key: 'cache.hit', value: 'false' }, { key: 'deployment.environment', value: 'staging' }] })],
  ['everything', q({
    service: 'frontend', operation: 'GET /item/0', minDurationNs: 2n * MS, errorOnly: true,
    startNs: BASE_NS, endNs: BASE_NS + 40_000n * MS, attrs: [{ key: 'http.status_code', value: '500' }],
  })],
];

describe('findTraces', () => {
  it.each(CASES)('%s', (_name, query) => {
    const got = reader.findTraces(query).map((t) => t.traceId);
    expect(got).toEqual(oracle(facts, query));
  });

  it('filters really filter (the cases are not trivially empty or full)', () => {
    const sizes = CASES.map(([, query]) => oracle(facts, query).length);
    expect(sizes.filter((n) => n > 0 && n < facts.length).length).toBeGreaterThan(15);
  });

  it.each(CASES)('cursor paging visits every match once: %s', (_name, query) => {
    const seen: string[] = [];
    let page = reader.findTraces({ ...query, limit: 7 });
    while (page.length > 0) {
      seen.push(...page.map((t) => t.traceId));
      const last = page[page.length - 1];
      page = reader.findTraces({ ...query, limit: 7, after: { startNs: last.startTimeUnixNano, traceId: last.traceId } });
    }
    expect(seen).toEqual(oracle(facts, query));
  });

  it('returns full summaries', () => {
    const [t] = reader.findTraces(q({ service: 'auth', limit: 1 }));
    const f = facts.find((x) => x.traceId === t.traceId)!;
    expect(t).toEqual({
      traceId: f.traceId,
      rootService: 'frontend',
      rootName: expect.stringMatching(/^GET \/item\//),
      startTimeUnixNano: f.startNs,
      durationNs: f.durationNs,
      spanCount: f.attrs.length,
      errorCount: f.errors,
      services: [...f.names.keys()].sort(),
    });
  });

  it('treats attribute keys with quotes and values with SQL as plain data', () => {
    const odd = q({ attrs: [{ key: 'a"b\\c', value: "x' OR 1=1 --" }] });
    expect(reader.findTraces(odd)).toEqual([]);
    const other = tempDb();
    try {
      const attributes = JSON.stringify({ 'a"b\\c': "x' OR 1=1 --" });
      new SqliteSpanWriter(other.db).writeSpans([makeRecord({ attributes })]);
      expect(new SqliteTraceReader(other.db).findTraces(odd).map((t) => t.traceId)).toEqual([traceId(1)]);
    } finally {
      other.close();
    }
  });
});
