import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceQuery } from '../../src/model/query.js';
import { SqliteTraceReader } from '../../src/store/reader.js';
import { oracle, searchData, type TraceFacts } from '../fixtures/store-search-spans.js';
import { BASE_NS, makeResource, makeSpan, MS, spanId, tempStore, traceId, type TempStore } from '../fixtures/store-spans.js';

let store: TempStore;
let reader: SqliteTraceReader;
let facts: TraceFacts[];

beforeAll(() => {
  store = tempStore();
  const data = searchData();
  facts = data.facts;
  for (const batch of data.batches) store.write(batch, 0);
  // A retried export changes nothing a search sees.
  store.write(data.batches[data.batches.length - 1], 0);
  // A reader opened before or after the writes answers alike; this one opens after.
  reader = new SqliteTraceReader(store.db);
});
afterAll(() => store.close());

const q = (extra: Partial<TraceQuery>): TraceQuery => ({ errorOnly: false, attrs: [], limit: 1000, ...extra });
const at = (ms: number) => BASE_NS + BigInt(ms) * MS;

const CASES: Array<[string, TraceQuery]> = [
  ['no filter', q({})],
  ['service', q({ service: 'db' })],
  ['service with no traces', q({ service: 'nobody' })],
  ['min duration', q({ minDurationNs: 30n * MS })],
  ['max duration', q({ maxDurationNs: 10n * MS })],
  ['duration bounds are inclusive', q({ minDurationNs: 39n * MS, maxDurationNs: 39n * MS })],
  ['service + duration range', q({ service: 'auth', minDurationNs: 5n * MS, maxDurationNs: 40n * MS })],
  ['time range', q({ startNs: at(5_000), endNs: at(12_000) })],
  ['end only: the oldest traces', q({ endNs: at(3_000) })],
  ['end at the first start', q({ endNs: at(0) })],
  ['service + time range', q({ service: 'frontend', startNs: at(20_000) })],
  ['errors', q({ errorOnly: true })],
  ['service + errors', q({ service: 'auth', errorOnly: true })],
  ['operation of any service (two services have it)', q({ operation: 'SELECT' })],
  ['operation of a child, ending early', q({ operation: 'SELECT', endNs: at(6_000) })],
  ['service + operation', q({ service: 'frontend', operation: 'GET /item/1' })],
  ['service + operation another service also has', q({ service: 'auth', operation: 'SELECT' })],
  ['operation of another service', q({ service: 'frontend', operation: 'SELECT' })],
  ['operation no span has', q({ operation: 'DELETE' })],
  ['indexed span attr, route', q({ attrs: [{ key: 'http.route', value: '/items' }] })],
  ['indexed span attr, number', q({ attrs: [{ key: 'http.response.status_code', value: '500' }] })],
  ['indexed span attr, string', q({ attrs: [{ key: 'db.system', value: 'postgresql' }] })],
  ['indexed span attr on an event', q({ attrs: [{ key: 'exception.type', value: 'AuthError' }] })],
  ['indexed resource attr', q({ attrs: [{ key: 'deployment.environment', value: 'staging' }] })],
  ['indexed resource attr, per service', q({ attrs: [{ key: 'host.name', value: 'auth-1' }] })],
  ['indexed resource key, on spans and on a resource', q({ attrs: [{ key: 'service.version', value: '2.0.0' }] })],
  ['indexed resource key on spans only', q({ attrs: [{ key: 'service.version', value: '1.0.0' }] })],
  ['indexed value no span has', q({ attrs: [{ key: 'http.route', value: '/nowhere' }] })],
  ['indexed key no span has', q({ attrs: [{ key: 'rpc.method', value: 'Get' }] })],
  ['span attr, boolean (not indexed)', q({ attrs: [{ key: 'cache.hit', value: 'true' }] })],
  ['span attr, real (not indexed)', q({ attrs: [{ key: 'ratio', value: '0.25' }] })],
  ['span attr, number (not indexed)', q({ attrs: [{ key: 'db.rows', value: '12' }] })],
  ['event attr (not indexed)', q({ attrs: [{ key: 'retry.count', value: '2' }] })],
  ['resource attr, number (not indexed)', q({ attrs: [{ key: 'k8s.replicas', value: '3' }] })],
  ['resource attr, false (not indexed)', q({ attrs: [{ key: 'feature.on', value: 'false' }] })],
  ['attr text form is exact', q({ attrs: [{ key: 'http.response.status_code', value: '500.0' }] })],
  ['attr of a missing key', q({ attrs: [{ key: 'nope', value: '1' }] })],
  ['two attrs (AND), span + resource', q({ attrs: [{ key: 'cache.hit', value: 'false' }, { key: 'deployment.environment', value: 'staging' }] })],
  ['two indexed attrs (AND)', q({ attrs: [{ key: 'http.route', value: '/item/:id' }, { key: 'deployment.environment', value: 'prod' }] })],
  ['alsoServices', q({ alsoServices: ['db', 'auth'] })],
  ['service + alsoServices', q({ service: 'frontend', alsoServices: ['auth'] })],
  ['operation + alsoServices', q({ operation: 'GET /item/0', alsoServices: ['db'] })],
  ['alsoServices of an unknown service', q({ alsoServices: ['db', 'nobody'] })],
  ['slow attr + service + time', q({ service: 'frontend', startNs: at(4_000), endNs: at(25_000), attrs: [{ key: 'k8s.replicas', value: '1' }] })],
  ['everything', q({
    service: 'frontend', operation: 'GET /item/0', minDurationNs: 2n * MS, errorOnly: true, alsoServices: ['db'],
    startNs: at(0), endNs: at(40_000), attrs: [{ key: 'http.response.status_code', value: '500' }, { key: 'cache.hit', value: 'true' }],
  })], // prettier-ignore
];

describe('findTraces agrees with the oracle', () => {
  it.each(CASES)('%s', (_name, query) => {
    expect(reader.findTraces(query).map((t) => t.traceId)).toEqual(oracle(facts, query));
  });

  it('the cases really filter (not trivially empty or full)', () => {
    const sizes = CASES.map(([, query]) => oracle(facts, query).length);
    expect(sizes.filter((n) => n > 0 && n < facts.length).length).toBeGreaterThan(30);
    expect(sizes.filter((n) => n === 0).length).toBeGreaterThanOrEqual(5);
  });

  it.each(CASES)('limits keep the newest: %s', (_name, query) => {
    for (const limit of [1, 3]) expect(reader.findTraces({ ...query, limit }).map((t) => t.traceId)).toEqual(oracle(facts, { ...query, limit }));
  });

  it.each(CASES)('keyset paging gives every match exactly once, in order: %s', (_name, query) => {
    for (const limit of [1, 7]) {
      const seen: string[] = [];
      let after: TraceQuery['after'];
      for (;;) {
        const page = reader.findTraces({ ...query, limit, after });
        expect(page.map((t) => t.traceId)).toEqual(oracle(facts, { ...query, limit, after }));
        if (page.length === 0) break;
        seen.push(...page.map((t) => t.traceId));
        const last = page[page.length - 1];
        after = { startNs: last.startTimeUnixNano, traceId: last.traceId };
      }
      expect(seen, `limit ${limit}`).toEqual(oracle(facts, query));
      expect(new Set(seen).size).toBe(seen.length);
    }
  });

  it('pages split ties on start by trace ID', () => {
    // Traces 1000 + 2k and 1000 + 2k + 1 start together: a page of one holds one of them, the next the other.
    const first = reader.findTraces(q({ limit: 1 }));
    const second = reader.findTraces(q({ limit: 1, after: { startNs: first[0].startTimeUnixNano, traceId: first[0].traceId } }));
    expect([first[0].traceId, second[0].traceId]).toEqual([traceId(1059), traceId(1058)]);
    expect(second[0].startTimeUnixNano).toBe(first[0].startTimeUnixNano);
  });
});

describe('a trace whose start moved earlier after its postings were written', () => {
  it('is found by operation and attribute with an end bound or a cursor below its old start', () => {
    const other = tempStore();
    try {
      // The child arrives first: its operation's and attribute's postings say the trace starts at 100 ms.
      other.write([makeSpan({ spanId: spanId(2), parentSpanId: spanId(1), name: 'child', startTimeUnixNano: at(100), endTimeUnixNano: at(110),
        attributes: { 'http.route': '/child' } })], 0); // prettier-ignore
      // The root, which started at 0, arrives later.
      other.write([makeSpan({ spanId: spanId(1), name: 'root', startTimeUnixNano: at(0), endTimeUnixNano: at(200) })], 0);
      const find = (extra: Partial<TraceQuery>) => other.reader.findTraces(q(extra)).map((t) => t.traceId);
      expect(find({ operation: 'child', endNs: at(50) })).toEqual([traceId(1)]);
      expect(find({ attrs: [{ key: 'http.route', value: '/child' }], endNs: at(50) })).toEqual([traceId(1)]);
      expect(find({ operation: 'child', after: { startNs: at(50), traceId: traceId(9) } })).toEqual([traceId(1)]);
      expect(find({ operation: 'child', startNs: at(1) })).toEqual([]);
    } finally {
      other.close();
    }
  });
});

describe('summaries', () => {
  it('are whole: root, start and duration as the root made them, every span and error counted', () => {
    const found = reader.findTraces(q({}));
    expect(found).toHaveLength(60);
    for (const t of found) {
      const f = facts.find((x) => x.traceId === t.traceId)!;
      expect(t).toEqual({
        traceId: f.traceId,
        rootService: 'frontend',
        rootName: f.rootName,
        startTimeUnixNano: f.startNs,
        durationNs: f.durationNs,
        spanCount: f.spans.length,
        errorCount: f.errors,
        services: [...f.names.keys()].sort(),
      });
    }
  });
});

describe('attribute values', () => {
  it('treats attribute keys with quotes and values with SQL as plain data', () => {
    const odd = q({ attrs: [{ key: 'a"b\\c', value: "x' OR 1=1 --" }] });
    expect(reader.findTraces(odd)).toEqual([]);
    const other = tempStore();
    try {
      other.write([makeSpan({ attributes: { 'a"b\\c': "x' OR 1=1 --", 'http.route': "'; DROP TABLE trace_rows; --" } })]);
      expect(other.reader.findTraces(odd).map((t) => t.traceId)).toEqual([traceId(1)]);
      const route = q({ attrs: [{ key: 'http.route', value: "'; DROP TABLE trace_rows; --" }] });
      expect(other.reader.findTraces(route).map((t) => t.traceId)).toEqual([traceId(1)]);
    } finally {
      other.close();
    }
  });

  it('matches int64 beyond 2^53, doubles, booleans and bytes by their exact text form, indexed or not', () => {
    const other = tempStore();
    try {
      const big = 2n ** 62n + 1n;
      const values = { 'http.response.status_code': big, 'db.rows': big, ratio: 1.5, 'rpc.method': 'Get', 'cache.hit': true, 'error.type': new Uint8Array([1, 2, 255]) };
      other.write([makeSpan({ attributes: values as never })]);
      const hit = (key: string, value: string) => other.reader.findTraces(q({ attrs: [{ key, value }] })).length;
      expect(hit('http.response.status_code', big.toString())).toBe(1); // indexed
      expect(hit('db.rows', big.toString())).toBe(1); // not indexed
      expect(hit('db.rows', String(Number(big)))).toBe(0); // the rounded double is another value
      expect(hit('ratio', '1.5')).toBe(1);
      expect(hit('cache.hit', 'true')).toBe(1);
      expect(hit('error.type', Buffer.from([1, 2, 255]).toString('base64'))).toBe(1);
    } finally {
      other.close();
    }
  });
});

describe('a non-indexed attribute', () => {
  it('reads at most 5,000 candidate traces and says the answer is incomplete', () => {
    const other = tempStore();
    try {
      const spans = Array.from({ length: 5_010 }, (_, i) =>
        makeSpan({ traceId: traceId(i + 1), startTimeUnixNano: at(i), endTimeUnixNano: at(i + 1), attributes: { n: i < 5 ? 'old' : 'new' } }),
      );
      other.write(spans);
      const found = other.reader.findTraces(q({ attrs: [{ key: 'n', value: 'old' }], limit: 20 }));
      expect([...found]).toEqual([]);
      expect(found.incomplete).toMatch(/n is not indexed: searched the newest 5,000 traces/);
      const complete = other.reader.findTraces(q({ attrs: [{ key: 'n', value: 'old' }], startNs: at(0), endNs: at(100), limit: 20 }));
      expect(complete.map((t) => t.traceId)).toEqual([5, 4, 3, 2, 1].map(traceId));
      expect(complete.incomplete).toBeUndefined();
    } finally {
      other.close();
    }
  });
});

describe('a reader opened before the writes', () => {
  it('learns new services, operations and keys as they are written', () => {
    const other = tempStore();
    try {
      const early = new SqliteTraceReader(other.db);
      expect(early.findTraces(q({ service: 'bare' }))).toEqual([]);
      // No attribute the index covers: the dictionaries of keys stay empty.
      other.write([makeSpan({ resource: { service: 'bare', attributes: { 'service.name': 'bare' } }, name: 'job', spanId: spanId(5) })]);
      expect(early.findTraces(q({ service: 'bare', operation: 'job' })).map((t) => t.traceId)).toEqual([traceId(1)]);
      other.write([makeSpan({ traceId: traceId(2), resource: makeResource('later'), attributes: { 'http.route': '/r' } })]);
      expect(early.findTraces(q({ service: 'later', attrs: [{ key: 'http.route', value: '/r' }] })).map((t) => t.traceId)).toEqual([traceId(2)]);
    } finally {
      other.close();
    }
  });
});
