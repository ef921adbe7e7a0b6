import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceQuery } from '../../src/model/query.js';
import { SqliteTraceReader } from '../../src/store/reader.js';
import { SqliteSpanWriter } from '../../src/store/writer.js';
import { tempDb } from '../fixtures/store-db.js';
import { searchData, type TraceFacts } from '../fixtures/store-search-data.js';

/** alsoServices: "the trace also contains these services", the search behind a service-map edge. */

let store: ReturnType<typeof tempDb>;
let reader: SqliteTraceReader;
let facts: TraceFacts[];

beforeAll(() => {
  store = tempDb();
  const data = searchData();
  facts = data.facts;
  new SqliteSpanWriter(store.db).writeSpans(data.records);
  store.db.exec('ANALYZE');
  reader = new SqliteTraceReader(store.db);
});
afterAll(() => store.close());

const q = (extra: Partial<TraceQuery>): TraceQuery => ({ errorOnly: false, attrs: [], limit: 1000, ...extra });
const has = (f: TraceFacts, ...services: string[]) => services.every((s) => f.names.has(s));
const ids = (rows: Array<{ traceId: string }>) => rows.map((r) => r.traceId).sort();

describe('alsoServices', () => {
  it('keeps only traces that contain every listed service, with or without a service', () => {
    const services = [...new Set(facts.flatMap((f) => [...f.names.keys()]))];
    expect(services.length).toBeGreaterThan(2);
    for (const a of services) {
      for (const b of services) {
        const want = facts.filter((f) => has(f, a, b)).map((f) => f.traceId).sort();
        expect(ids(reader.findTraces(q({ service: a, alsoServices: [b] }))), `${a} + ${b}`).toEqual(want);
        expect(ids(reader.findTraces(q({ alsoServices: [a, b] }))), `[${a}, ${b}]`).toEqual(want);
      }
    }
  });

  it('finds nothing for a service no trace has', () => {
    expect(reader.findTraces(q({ service: 'frontend', alsoServices: ['nobody'] }))).toEqual([]);
  });

  it.each([
    ['service + alsoService', q({ service: 'frontend', alsoServices: ['db'] })],
    ['two alsoServices', q({ alsoServices: ['frontend', 'db'] })],
    ['service + time + alsoService', q({ service: 'frontend', startNs: 1n, endNs: 2n ** 62n, alsoServices: ['auth'] })],
  ])('%s: index-only lookups on trace_services, no scan of spans, no sort', (_name, query) => {
    const plan = reader.explain(query);
    const text = plan.join('\n');
    expect(text).not.toMatch(/SCAN (spans|s)\b/);
    expect(text).not.toMatch(/TEMP B-TREE/);
    expect(plan.some((l) => /SEARCH tv (EXISTS )?USING PRIMARY KEY \(trace_id=\? AND service=\?\)/.test(l))).toBe(true);
  });
});
