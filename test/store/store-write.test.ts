import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeSpans } from '../../src/codec/index.js';
import type { AttrValue, Span } from '../../src/model/span.js';
import { storeStats } from '../../src/store/reader.js';
import { dumpStore, rowCounts } from '../fixtures/store-dump.js';
import { BASE_NS, makeResource, makeSpan, MS, spanId, tempStore, traceId, type TempStore } from '../fixtures/store-spans.js';

/** The Committer (store v2's writer) and the trace reader: what goes in comes back, once. */

let store: TempStore;
const opened: TempStore[] = [];

beforeEach(() => {
  store = tempStore();
  opened.push(store);
});
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

const BIG = 2n ** 62n + 12_345n; // far beyond 2^53: a Number would round it
const all = { errorOnly: false, attrs: [], limit: 100 };

/** Every attribute type the encoder takes, as given (bigints and bytes are not read-model values, hence the cast). */
const ATTRIBUTES = {
  'db.system': 'postgresql', empty: '', unicode: 'zürich ✓ 🚀', rows: 12, neg: -7, ok: true, no: false, ratio: 0.5,
  big: 2n ** 62n, max64: 2n ** 63n - 1n, min64: -(2n ** 63n), safe: 2n ** 53n - 1n, bigNumber: 2 ** 53, negZero: -0,
  nan: NaN, inf: Infinity, ninf: -Infinity, bytes: new Uint8Array([0, 1, 254, 255]), none: null,
  list: ['a', 1, true, null, [2n ** 60n, 0.5], { k: 'v' }], map: { k: 'v', n: { deep: 1, big: -(2n ** 55n) } },
} as unknown as Record<string, AttrValue>; // prettier-ignore

/** What the read model makes of a value (readChunk): ints beyond ±(2^53−1) as decimal strings, bytes as base64… */
function readModel(v: unknown): AttrValue {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v === 0 ? 0 : v;
  if (Array.isArray(v)) return v.map(readModel);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, readModel(x)]));
  return v as AttrValue;
}

function fullSpan(): Span {
  return makeSpan({
    traceId: 'f'.repeat(32),
    spanId: 'abcdef0123456789',
    parentSpanId: '0123456789abcdef',
    traceState: 'vendor=a,other=b',
    flags: 0x301,
    name: 'SELECT orders',
    kind: 3,
    startTimeUnixNano: BIG,
    endTimeUnixNano: BIG + 1n,
    attributes: ATTRIBUTES,
    droppedAttributesCount: 3,
    events: [
      { name: 'exception', timeUnixNano: BIG + 1n, attributes: { 'exception.type': 'Err', n: 2n ** 54n } as never, droppedAttributesCount: 1 },
      { name: 'before the span', timeUnixNano: BIG - 5n * MS, attributes: {}, droppedAttributesCount: 0 },
    ],
    droppedEventsCount: 4,
    links: [
      { traceId: 'e'.repeat(32), spanId: '1'.repeat(16), traceState: 'x=y', attributes: { a: 1, l: [true] }, droppedAttributesCount: 2, flags: 0x101 },
      { traceId: '0'.repeat(31) + '1', spanId: '2'.repeat(16), traceState: '', attributes: {}, droppedAttributesCount: 0, flags: 0 },
    ],
    droppedLinksCount: 5,
    statusCode: 2,
    statusMessage: 'boom',
    resource: makeResource('orders', { 'deployment.environment': 'prod', 'process.command_args': ['node', 'x.js'], big: 2n ** 60n } as never),
    scope: { name: '@opentelemetry/instrumentation-pg', version: '0.50.0', attributes: { s: 1, t: 'x' }, droppedAttributesCount: 7 },
  });
}

describe('write, then getTrace', () => {
  it('reads back every field of a span equal, attributes of every type in the read model, ns exact beyond 2^53', () => {
    const span = fullSpan();
    span.resource = { ...span.resource, droppedAttributesCount: 6 };
    expect(store.write([span])).toBe(1);
    const [back] = store.reader.getTrace(span.traceId);
    const expected: Span = {
      ...span,
      service: 'orders',
      attributes: readModel(span.attributes) as Span['attributes'],
      events: span.events.map((e) => ({ ...e, attributes: readModel(e.attributes) as Span['attributes'] })),
      resource: { attributes: readModel(span.resource.attributes) as Span['attributes'], droppedAttributesCount: 6 },
      error: true,
    };
    expect(back).toEqual(expected);
    // The read model spells out what toEqual would let slip.
    expect(back.startTimeUnixNano).toBe(BIG);
    expect(back.events.map((e) => e.timeUnixNano)).toEqual([BIG + 1n, BIG - 5n * MS]);
    expect(back.attributes).toMatchObject({
      big: '4611686018427387904', max64: '9223372036854775807', min64: '-9223372036854775808', safe: 9007199254740991,
      bigNumber: 9007199254740992, bytes: 'AAH+/w==', nan: 'NaN', inf: 'Infinity', ninf: '-Infinity', none: null,
      list: ['a', 1, true, null, ['1152921504606846976', 0.5], { k: 'v' }], map: { k: 'v', n: { deep: 1, big: '-36028797018963968' } },
    }); // prettier-ignore
    expect(Object.is(back.attributes.negZero, 0)).toBe(true);
    expect(back.events[0].attributes).toEqual({ 'exception.type': 'Err', n: '18014398509481984' });
    expect(back.resource.attributes.big).toBe('1152921504606846976');
  });

  it('returns [] for an unknown trace and orders spans by start, then span ID, across chunks', () => {
    expect(store.reader.getTrace(traceId(99))).toEqual([]);
    const late = makeSpan({ spanId: spanId(3), parentSpanId: spanId(1), startTimeUnixNano: BASE_NS + 2n });
    const tie = makeSpan({ spanId: spanId(2), parentSpanId: spanId(1), startTimeUnixNano: BASE_NS + 2n });
    const root = makeSpan({ spanId: spanId(1) });
    store.write([late]);
    store.write([tie, root]);
    expect(store.reader.getTrace(traceId(1)).map((s) => s.spanId)).toEqual([spanId(1), spanId(2), spanId(3)]);
    expect(storeStats(store.db)).toEqual({ spans: 3, traces: 1, chunks: 2, dimensions: 2 });
  });

  it('stores a resource and a scope once, however many spans and requests share them', () => {
    store.write(Array.from({ length: 50 }, (_, i) => makeSpan({ spanId: spanId(i + 1) })));
    // Equal content in new objects (a second request) has the same hash.
    store.write([makeSpan({ spanId: spanId(77), resource: makeResource(), scope: { ...makeSpan().scope } })]);
    expect(storeStats(store.db)).toEqual({ spans: 51, traces: 1, chunks: 2, dimensions: 2 });
    // A new writer (empty caches) still finds them.
    const again = store.reopen();
    opened.push(again);
    again.write([makeSpan({ spanId: spanId(78), resource: makeResource() })]);
    expect(storeStats(again.db)).toEqual({ spans: 52, traces: 1, chunks: 3, dimensions: 2 });
    expect(new Set(again.reader.getTrace(traceId(1)).map((s) => JSON.stringify(s.resource))).size).toBe(1);
  });
});

/** Calls across services and an uninstrumented callee, so the graph, entry spans and endpoints take part. */
function batch(): Span[] {
  return [
    makeSpan({ spanId: spanId(1), statusCode: 2, attributes: { 'http.route': '/cart', 'server.port': 8080 } }),
    makeSpan({ spanId: spanId(2), parentSpanId: spanId(1), kind: 3, name: 'GET', attributes: { 'server.address': 'db', 'server.port': 5432 } }),
    makeSpan({ spanId: spanId(3), parentSpanId: spanId(2), resource: makeResource('db'), statusCode: 2, name: 'query' }),
    makeSpan({ spanId: spanId(4), parentSpanId: spanId(1), kind: 3, name: 'POST', attributes: { 'peer.service': 'mail' } }),
    makeSpan({ traceId: traceId(2), spanId: spanId(5), startTimeUnixNano: BASE_NS + 61_000n * MS, endTimeUnixNano: BASE_NS + 62_000n * MS }),
  ];
}

const LATER = 60_000;

function snapshot(s: TempStore) {
  s.committer.expire(LATER);
  return {
    stats: storeStats(s.db),
    tables: dumpStore(s.db),
    traces: s.reader.findTraces(all),
    spans: [traceId(1), traceId(2)].map((t) => s.reader.getTrace(t)),
    services: s.reader.services(),
    operations: s.reader.operations('checkout'),
    dependencies: s.analysis.dependencies(0n, BASE_NS * 2n),
  };
}

describe('idempotency: a retried export is absorbed', () => {
  let once: ReturnType<typeof snapshot>;
  beforeEach(() => {
    const fresh = tempStore();
    opened.push(fresh);
    fresh.write(batch(), 0);
    once = snapshot(fresh);
    expect(once.stats).toEqual({ spans: 5, traces: 2, chunks: 2, dimensions: 3 });
    expect(once.services).toEqual([
      { name: 'checkout', requests: 2, errors: 1, spanCount: 4, errorSpanCount: 1, traceCount: 2 },
      { name: 'db', requests: 1, errors: 1, spanCount: 1, errorSpanCount: 1, traceCount: 1 },
    ]);
    expect(once.dependencies.edges.map((e) => [e.parent, e.child, e.instrumented])).toEqual([
      ['checkout', 'db', true],
      ['checkout', 'mail', false],
    ]);
  });

  it('in a later commit, whole or in part', () => {
    store.write(batch(), 0);
    store.write(batch(), 1);
    store.write([batch()[2], batch()[4]], 2);
    expect(snapshot(store)).toEqual(once);
  });

  it('in the same commit (two requests grouped into one transaction)', () => {
    const { chunks, dimensions } = encodeSpans(batch());
    expect(store.committer.commit({ chunks: [...chunks, ...chunks], dimensions: [...dimensions, ...dimensions] }, 0)).toBe(5);
    expect(snapshot(store)).toEqual(once);
  });

  it('after reopening the database (new writer, nothing cached)', () => {
    store.write(batch(), 0);
    store.committer.expire(LATER);
    const again = store.reopen();
    opened.push(again);
    expect(again.write(batch(), 1)).toBe(0);
    expect(again.write([...batch(), makeSpan({ traceId: traceId(2), spanId: spanId(5) })], 2)).toBe(0);
    expect(snapshot(again)).toEqual(once);
  });

  it('a span repeated inside one batch is counted once', () => {
    const span = makeSpan({ statusCode: 2 });
    expect(store.write([span, { ...span }, span])).toBe(1);
    expect(storeStats(store.db)).toEqual({ spans: 1, traces: 1, chunks: 1, dimensions: 2 });
    expect(store.reader.getTrace(traceId(1))).toHaveLength(1);
    expect(store.reader.services()).toEqual([{ name: 'checkout', requests: 1, errors: 1, spanCount: 1, errorSpanCount: 1, traceCount: 1 }]);
    expect(store.reader.operations('checkout')[0]).toMatchObject({ spanCount: 1, errorCount: 1 });
    expect(store.reader.findTraces(all)[0]).toMatchObject({ spanCount: 1, errorCount: 1 });
  });
});

describe('a failing commit', () => {
  it('rolls back whole, and the writer forgets the names it had inserted', () => {
    const good = encodeSpans([makeSpan({ resource: makeResource('new-service'), name: 'op-a', attributes: { 'http.route': '/a' } })]);
    const corrupt = { traceId: traceId(2), data: Uint8Array.from([1, 2, 3]), spanCount: 1 };
    expect(() => store.committer.commit({ chunks: [...good.chunks, corrupt], dimensions: good.dimensions }, 0)).toThrow(/corrupt chunk/);
    expect(rowCounts(store.db)).toEqual(Object.fromEntries(Object.keys(rowCounts(store.db)).map((t) => [t, 0])));
    expect(storeStats(store.db)).toEqual({ spans: 0, traces: 0, chunks: 0, dimensions: 0 });
    expect(store.db.prepare('SELECT count(*) FROM service_names').pluck().get()).toBe(0);
    // Another service takes the id the rolled-back one had; then the first is written again.
    store.write([makeSpan({ traceId: traceId(3), resource: makeResource('other'), name: 'op-b', attributes: { 'http.route': '/b' } })]);
    store.write([makeSpan({ traceId: traceId(4), resource: makeResource('new-service'), name: 'op-a', attributes: { 'http.route': '/a' } })]);
    expect(store.reader.findTraces(all).map((t) => [t.traceId, t.rootService, t.rootName])).toEqual([
      [traceId(4), 'new-service', 'op-a'],
      [traceId(3), 'other', 'op-b'],
    ]);
    expect(store.reader.getTrace(traceId(4))[0].service).toBe('new-service');
    const route = (value: string) => store.reader.findTraces({ ...all, attrs: [{ key: 'http.route', value }] }).map((t) => t.traceId);
    expect([route('/a'), route('/b')]).toEqual([[traceId(4)], [traceId(3)]]);
    expect(store.reader.findTraces({ ...all, service: 'new-service', operation: 'op-a' }).map((t) => t.traceId)).toEqual([traceId(4)]);
  });
});

describe('trace summaries across batches', () => {
  it('lets a late root rename the trace, move its start earlier and widen it; every per-service row follows', () => {
    const t = traceId(5);
    const child = (n: number, start: bigint, service = 'checkout') =>
      makeSpan({
        traceId: t, spanId: spanId(n), parentSpanId: spanId(1), name: `child-${n}`, resource: makeResource(service),
        startTimeUnixNano: start, endTimeUnixNano: start + 2n * MS,
      }); // prettier-ignore
    store.write([child(3, BASE_NS + 5n * MS, 'db'), child(2, BASE_NS + 3n * MS)]);
    let [summary] = store.reader.findTraces(all);
    expect(summary).toMatchObject({ rootName: 'child-2', rootService: 'checkout', spanCount: 2 });
    expect(summary.startTimeUnixNano).toBe(BASE_NS + 3n * MS);
    expect(summary.durationNs).toBe(4n * MS);
    expect(summary.services).toEqual(['checkout', 'db']);

    // An earlier non-root span takes over the name until the root arrives.
    store.write([child(4, BASE_NS + 2n * MS, 'auth')]);
    [summary] = store.reader.findTraces(all);
    expect(summary).toMatchObject({ rootName: 'child-4', rootService: 'auth', services: ['auth', 'checkout', 'db'] });

    const root = makeSpan({
      traceId: t, spanId: spanId(1), name: 'GET /checkout', resource: makeResource('frontend'),
      startTimeUnixNano: BASE_NS + 1n * MS, endTimeUnixNano: BASE_NS + 20n * MS, statusCode: 2,
    }); // prettier-ignore
    store.write([root]);
    // Spans starting before the root (clock skew) do not take the name back from it.
    store.write([child(6, BASE_NS)]);
    [summary] = store.reader.findTraces(all);
    expect(summary).toEqual({
      traceId: t,
      rootService: 'frontend',
      rootName: 'GET /checkout',
      startTimeUnixNano: BASE_NS,
      durationNs: 20n * MS,
      spanCount: 5,
      errorCount: 1,
      services: ['auth', 'checkout', 'db', 'frontend'],
    });
    const rows = store.db
      .prepare(
        `SELECT n.name AS service, r.start_ns, r.duration_ns FROM trace_service_rows AS r JOIN service_names AS n ON n.id = r.service_id
         ORDER BY n.name`,
      )
      .safeIntegers(true)
      .all();
    expect(rows).toEqual(['auth', 'checkout', 'db', 'frontend'].map((service) => ({ service, start_ns: BASE_NS, duration_ns: 20n * MS })));
    // Service search walks those rows: the trace is found by its new start and duration.
    const found = (q: object) => store.reader.findTraces({ ...all, ...q }).map((x) => x.traceId);
    expect(found({ service: 'db', endNs: BASE_NS, minDurationNs: 20n * MS })).toEqual([t]);
    expect(found({ service: 'db', startNs: BASE_NS + 1n })).toEqual([]);
    expect(found({ operation: 'child-3', endNs: BASE_NS })).toEqual([t]);
  });

  it('a second root does not rename the trace unless it started earlier', () => {
    store.write([makeSpan({ spanId: spanId(1), name: 'first', startTimeUnixNano: BASE_NS + 5n * MS, endTimeUnixNano: BASE_NS + 6n * MS })]);
    store.write([makeSpan({ spanId: spanId(2), name: 'later', startTimeUnixNano: BASE_NS + 7n * MS, endTimeUnixNano: BASE_NS + 8n * MS })]);
    expect(store.reader.findTraces(all)[0].rootName).toBe('first');
    store.write([makeSpan({ spanId: spanId(3), name: 'earlier', startTimeUnixNano: BASE_NS, endTimeUnixNano: BASE_NS + 1n * MS })]);
    expect(store.reader.findTraces(all)[0]).toMatchObject({ rootName: 'earlier', spanCount: 3, durationNs: 8n * MS });
  });

  it('counts services, traces per service and errors across batches', () => {
    store.write([
      makeSpan({ traceId: traceId(1), spanId: spanId(1), statusCode: 2 }),
      makeSpan({ traceId: traceId(1), spanId: spanId(2), resource: makeResource('db') }),
    ]);
    store.write([
      makeSpan({ traceId: traceId(1), spanId: spanId(3), resource: makeResource('db'), statusCode: 2 }),
      makeSpan({ traceId: traceId(2), spanId: spanId(4), resource: makeResource('db'), statusCode: 1 }),
    ]);
    expect(store.reader.services()).toEqual([
      { name: 'checkout', requests: 1, errors: 1, spanCount: 1, errorSpanCount: 1, traceCount: 1 },
      { name: 'db', requests: 3, errors: 1, spanCount: 3, errorSpanCount: 1, traceCount: 2 },
    ]);
    const [t1] = store.reader.findTraces({ ...all, errorOnly: true });
    expect(t1).toMatchObject({ traceId: traceId(1), spanCount: 3, errorCount: 2 });
  });
});

describe('per-minute stats', () => {
  it('op_minutes, service_minutes and trace_minutes count each span and trace once, in the minute it started', () => {
    const minute = Number(BASE_NS / 60_000_000_000n);
    const at = (s: number) => BASE_NS + BigInt(s) * 1000n * MS;
    // BASE_NS is 20 s into a minute: 50 s later is the next one.
    const call = makeSpan({ spanId: spanId(2), parentSpanId: spanId(1), kind: 3, name: 'GET', startTimeUnixNano: at(1), endTimeUnixNano: at(2),
      attributes: { 'server.address': '127.0.0.1', 'server.port': 5432 } }); // prettier-ignore
    const served = makeSpan({ spanId: spanId(3), parentSpanId: spanId(2), resource: makeResource('db'), name: 'query',
      startTimeUnixNano: at(1), endTimeUnixNano: at(2), attributes: { 'server.address': 'localhost', 'server.port': 5432, 'http.response.status_code': 503 } }); // prettier-ignore
    const handler = makeSpan({ spanId: spanId(4), parentSpanId: spanId(1), kind: 1, name: 'handler', startTimeUnixNano: at(50), endTimeUnixNano: at(51) });
    const root = makeSpan({ spanId: spanId(1), name: 'GET /cart', startTimeUnixNano: at(0), endTimeUnixNano: at(52) });
    const other = makeSpan({ traceId: traceId(2), spanId: spanId(9), name: 'GET /cart', startTimeUnixNano: at(55), endTimeUnixNano: at(56) });
    store.write([call, served]);
    store.write([handler, root, call]);
    store.write([other, served]);
    const rows = (sql: string) => store.db.prepare(sql).raw().all();
    expect(rows('SELECT service, name, kind, role, callee, minute, spans, errors FROM op_minutes ORDER BY minute, service, role, name')).toEqual([
      ['checkout', 'GET /cart', 2, 0, '', minute, 1, 0],
      ['checkout', 'GET', 3, 1, '127.0.0.1:5432', minute, 1, 0],
      ['db', 'query', 2, 0, '', minute, 1, 1],
      ['checkout', 'GET /cart', 2, 0, '', minute + 1, 1, 0],
      ['checkout', 'handler', 1, 2, '', minute + 1, 1, 0],
    ]);
    // Trace 1 started, as first seen, with its call: 1 s into the trace's first minute; trace 2 in the next.
    expect(rows('SELECT service, minute, traces FROM service_minutes ORDER BY minute, service')).toEqual([
      ['checkout', minute, 1],
      ['db', minute, 1],
      ['checkout', minute + 1, 1],
    ]);
    expect(rows('SELECT minute, traces FROM trace_minutes ORDER BY minute')).toEqual([[minute, 1], [minute + 1, 1]]);
    expect(rows('SELECT address, service FROM endpoints')).toEqual([['localhost:5432', 'db']]);
    expect(store.reader.operations('checkout').map((o) => [o.role, o.label, o.spanCount])).toEqual([
      ['entry', 'GET /cart', 2],
      ['call', 'GET → db', 1],
      ['internal', 'handler', 1],
    ]);
  });
});

describe('a big request', () => {
  it('keeps the service of every span when each brings its own copy of one resource (a migration, an import)', () => {
    // 3,000 spans: the request's literal pool grows past 4,096 entries while they are encoded.
    const spans = Array.from({ length: 3_000 }, (_, n) => {
      const s = makeSpan({ traceId: traceId(1 + (n % 7)), spanId: spanId(n + 1) });
      return { ...s, resource: { attributes: { ...s.resource.attributes }, droppedAttributesCount: 0 } };
    });
    expect(store.write(spans)).toBe(3_000);
    expect(store.db.prepare('SELECT name FROM service_names').pluck().all()).toEqual(['checkout']);
    expect(store.reader.services().map((s) => [s.name, s.spanCount])).toEqual([['checkout', 3_000]]);
    expect(storeStats(store.db).dimensions).toBe(2);
  });
});

describe('operations', () => {
  it('keeps span and error counts and percentiles within 1 % of exact, across batches', () => {
    const durations: number[] = [];
    let n = 0;
    for (let b = 0; b < 4; b++) {
      const spans: Span[] = [];
      for (let i = 0; i < 2_500; i++, n++) {
        // a skewed spread: 0.1 ms to ~30 ms, heavier at the low end
        const d = BigInt(Math.round(1e5 * Math.pow(300, ((n * 7919) % 10_007) / 10_007)));
        durations.push(Number(d));
        spans.push(
          makeSpan({
            traceId: traceId(1 + (n % 97)), spanId: spanId(n + 1), parentSpanId: spanId(999_999), name: 'SELECT', kind: 3,
            statusCode: n % 10 === 0 ? 2 : 0, startTimeUnixNano: BASE_NS, endTimeUnixNano: BASE_NS + d,
          }), // prettier-ignore
        );
      }
      store.write(spans);
    }
    store.write([makeSpan({ spanId: spanId(99_998), name: 'SELECT', kind: 1 }), makeSpan({ spanId: spanId(99_999), name: 'A' })]);
    const ops = store.reader.operations('checkout');
    expect(ops.map((o) => [o.role, o.name, o.kind, o.spanCount])).toEqual([
      ['entry', 'A', 2, 1],
      ['entry', 'SELECT', 1, 1],
      ['call', 'SELECT', 3, 10_000],
    ]);
    const select = ops[2];
    expect(select.errorCount).toBe(1_000);
    const sorted = [...durations].sort((a, b) => a - b);
    const exact = (q: number) => sorted[Math.floor(q * (sorted.length - 1))];
    for (const [got, q] of [[select.p50Ns, 0.5], [select.p95Ns, 0.95], [select.p99Ns, 0.99]] as const) {
      expect(Math.abs(got - exact(q)) / exact(q)).toBeLessThan(0.011);
    }
    expect(store.reader.operations('nobody')).toEqual([]);
  });
});
