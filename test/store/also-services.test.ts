import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceQuery } from '../../src/model/query.js';
import { searchData, type TraceFacts } from '../fixtures/store-search-spans.js';
import { tempStore, type TempStore } from '../fixtures/store-spans.js';

/** alsoServices: "the trace also contains these services", the search behind a service-map edge. */

let store: TempStore;
let facts: TraceFacts[];

beforeAll(() => {
  store = tempStore();
  const data = searchData();
  facts = data.facts;
  for (const batch of data.batches) store.write(batch, 0);
  store.db.exec('ANALYZE');
});
afterAll(() => store.close());

const q = (extra: Partial<TraceQuery>): TraceQuery => ({ errorOnly: false, attrs: [], limit: 1000, ...extra });
const has = (f: TraceFacts, ...services: string[]) => services.every((s) => f.names.has(s));
const ids = (rows: Array<{ traceId: string }>) => rows.map((r) => r.traceId).sort();

describe('alsoServices', () => {
  it('keeps only traces that contain every listed service, with or without a service, whatever drives the search', () => {
    const services = [...new Set(facts.flatMap((f) => [...f.names.keys()]))];
    expect(services).toHaveLength(3);
    for (const a of services) {
      for (const b of services) {
        const want = facts.filter((f) => has(f, a, b)).map((f) => f.traceId).sort();
        expect(want.length, `${a} + ${b}`).toBeGreaterThan(0);
        expect(ids(store.reader.findTraces(q({ service: a, alsoServices: [b] }))), `${a} + ${b}`).toEqual(want);
        expect(ids(store.reader.findTraces(q({ alsoServices: [a, b] }))), `[${a}, ${b}]`).toEqual(want);
        // Driven by an operation's postings, and by an attribute's.
        const op = q({ operation: 'GET /item/0', alsoServices: [a, b] });
        expect(ids(store.reader.findTraces(op)), `op + [${a}, ${b}]`).toEqual(facts.filter((f) => has(f, a, b) && f.rootName === 'GET /item/0').map((f) => f.traceId).sort());
        const env = q({ attrs: [{ key: 'deployment.environment', value: 'prod' }], alsoServices: [a, b] });
        const prod = facts.filter((f) => has(f, a, b) && f.spans[0].resource.attributes['deployment.environment'] === 'prod');
        expect(ids(store.reader.findTraces(env)), `env + [${a}, ${b}]`).toEqual(prod.map((f) => f.traceId).sort());
      }
    }
  });

  it('finds nothing for a service no trace has', () => {
    expect(store.reader.findTraces(q({ service: 'frontend', alsoServices: ['nobody'] }))).toEqual([]);
    expect(store.reader.findTraces(q({ alsoServices: ['nobody'] }))).toEqual([]);
  });

  it('pages newest first like any search', () => {
    const all = store.reader.findTraces(q({ service: 'frontend', alsoServices: ['db', 'auth'] }));
    expect(all.length).toBeGreaterThan(3);
    const first = store.reader.findTraces(q({ service: 'frontend', alsoServices: ['db', 'auth'], limit: 2 }));
    const last = first[1];
    const rest = store.reader.findTraces(q({ service: 'frontend', alsoServices: ['db', 'auth'], after: { startNs: last.startTimeUnixNano, traceId: last.traceId } }));
    expect([...first, ...rest]).toEqual(all);
  });
});
