import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Span, SpanRecord } from '../../src/model/span.js';
import { SqliteTraceReader, storeStats } from '../../src/store/reader.js';
import { SqliteSpanWriter } from '../../src/store/writer.js';
import { tempDb } from '../fixtures/store-db.js';
import { BASE_NS, makeRecord, makeResource, makeScope, MS, spanId, traceId } from '../fixtures/store-records.js';

let store: ReturnType<typeof tempDb>;
let writer: SqliteSpanWriter;
let reader: SqliteTraceReader;

beforeEach(() => {
  store = tempDb();
  writer = new SqliteSpanWriter(store.db);
  reader = new SqliteTraceReader(store.db);
});
afterEach(() => store.close());

const BIG = 2n ** 62n + 12_345n; // far beyond 2^53: a Number would round it

/** What the reader should give back for a record (the record's JSON parsed, events' times as bigint). */
function expected(r: SpanRecord): Span {
  const events = JSON.parse(r.events) as Array<{ timeUnixNano: string }>;
  return {
    traceId: r.traceId,
    spanId: r.spanId,
    parentSpanId: r.parentSpanId,
    traceState: r.traceState,
    flags: r.flags,
    name: r.name,
    kind: r.kind,
    service: r.resource.serviceName,
    startTimeUnixNano: r.startTimeUnixNano,
    endTimeUnixNano: r.endTimeUnixNano,
    attributes: JSON.parse(r.attributes),
    droppedAttributesCount: r.droppedAttributesCount,
    events: events.map((e) => ({ ...e, timeUnixNano: BigInt(e.timeUnixNano) })) as Span['events'],
    droppedEventsCount: r.droppedEventsCount,
    links: JSON.parse(r.links),
    droppedLinksCount: r.droppedLinksCount,
    statusCode: r.statusCode,
    statusMessage: r.statusMessage,
    error: r.error,
    resource: { attributes: JSON.parse(r.resource.attributes), droppedAttributesCount: r.resource.droppedAttributesCount },
    scope: {
      name: r.scope.name,
      version: r.scope.version,
      attributes: JSON.parse(r.scope.attributes),
      droppedAttributesCount: r.scope.droppedAttributesCount,
    },
  };
}

function fullRecord(): SpanRecord {
  return makeRecord({
    traceId: 'f'.repeat(32),
    spanId: 'abcdef0123456789',
    parentSpanId: '0123456789abcdef',
    traceState: 'vendor=a,other=b',
    flags: 0x301,
    name: 'SELECT orders',
    kind: 3,
    startTimeUnixNano: BIG,
    endTimeUnixNano: BIG + 1n,
    attributes: JSON.stringify({ 'db.system': 'postgresql', rows: 12, ok: true, ratio: 0.5, tags: ['a', 1], m: { k: 'v' }, n: null }),
    droppedAttributesCount: 3,
    events: JSON.stringify([
      { name: 'exception', timeUnixNano: (BIG + 1n).toString(), attributes: { 'exception.type': 'Err' }, droppedAttributesCount: 1 },
    ]),
    droppedEventsCount: 4,
    links: JSON.stringify([
      { traceId: 'e'.repeat(32), spanId: '1'.repeat(16), traceState: 'x=y', attributes: { a: 1 }, droppedAttributesCount: 2, flags: 1 },
    ]),
    droppedLinksCount: 5,
    statusCode: 2,
    statusMessage: 'boom',
    resource: { ...makeResource('orders', { 'deployment.environment': 'prod' }), droppedAttributesCount: 6 },
    scope: { name: '@opentelemetry/instrumentation-pg', version: '0.50.0', attributes: '{"s":1}', droppedAttributesCount: 7 },
  });
}

describe('SqliteSpanWriter + getTrace', () => {
  it('round-trips every SpanRecord field, with ns exact beyond 2^53', () => {
    const record = fullRecord();
    writer.writeSpans([record]);
    const [span] = reader.getTrace(record.traceId);
    expect(span).toEqual(expected(record));
    expect(span.startTimeUnixNano).toBe(BIG);
    expect(typeof span.events[0].timeUnixNano).toBe('bigint');
  });

  it('returns [] for an unknown trace and orders spans by start', () => {
    expect(reader.getTrace(traceId(99))).toEqual([]);
    const late = makeRecord({ spanId: spanId(2), parentSpanId: spanId(1), startTimeUnixNano: BASE_NS + 2n });
    const root = makeRecord({ spanId: spanId(1) });
    writer.writeSpans([late, root]);
    expect(reader.getTrace(traceId(1)).map((s) => s.spanId)).toEqual([spanId(1), spanId(2)]);
  });

  it('stores a resource and a scope once, however many spans share them', () => {
    const spans = Array.from({ length: 50 }, (_, i) => makeRecord({ spanId: spanId(i + 1) }));
    writer.writeSpans(spans);
    // Equal content in new objects (a second request) must find the same rows.
    writer.writeSpans([makeRecord({ spanId: spanId(77), resource: makeResource(), scope: makeScope() })]);
    expect(storeStats(store.db)).toEqual({ spans: 51, traces: 1, resources: 1, scopes: 1 });
    // A fresh writer (empty cache) still dedupes through the database.
    new SqliteSpanWriter(store.db).writeSpans([makeRecord({ spanId: spanId(78), resource: makeResource() })]);
    expect(storeStats(store.db).resources).toBe(1);
  });

  it('is idempotent: a retried batch changes no count', () => {
    const batch = [
      makeRecord({ spanId: spanId(1), statusCode: 2 }),
      makeRecord({ spanId: spanId(2), parentSpanId: spanId(1), resource: makeResource('db'), statusCode: 2 }),
      makeRecord({ traceId: traceId(2), spanId: spanId(3) }),
    ];
    writer.writeSpans(batch);
    const before = snapshot();
    writer.writeSpans(batch);
    writer.writeSpans([batch[1]]);
    expect(snapshot()).toEqual(before);
    expect(before.stats.spans).toBe(3);
    expect(before.services).toEqual([
      { name: 'checkout', requests: 2, errors: 1, spanCount: 2, errorSpanCount: 1, traceCount: 2 },
      { name: 'db', requests: 1, errors: 1, spanCount: 1, errorSpanCount: 1, traceCount: 1 },
    ]);
  });

  it('counts a span repeated within one batch once', () => {
    const span = makeRecord({ statusCode: 2 });
    writer.writeSpans([span, { ...span }, span]);
    expect(storeStats(store.db).spans).toBe(1);
    expect(reader.services()).toEqual([{ name: 'checkout', requests: 1, errors: 1, spanCount: 1, errorSpanCount: 1, traceCount: 1 }]);
    expect(reader.operations('checkout')[0]).toMatchObject({ spanCount: 1, errorCount: 1 });
  });

  it('rolls back a failing batch whole, and recovers its caches', () => {
    const bad = makeRecord({ spanId: spanId(2), resource: makeResource('new-service') });
    (bad as { kind: unknown }).kind = {}; // not bindable: fails mid-batch, after the new resource was inserted
    expect(() => writer.writeSpans([makeRecord(), bad])).toThrow();
    expect(storeStats(store.db)).toEqual({ spans: 0, traces: 0, resources: 0, scopes: 0 });
    writer.writeSpans([makeRecord({ spanId: spanId(2), resource: makeResource('new-service') })]);
    const [span] = reader.getTrace(traceId(1));
    expect(span.resource.attributes['service.name']).toBe('new-service'); // not a dangling cached id
    expect(storeStats(store.db).resources).toBe(1);
  });
});

function snapshot() {
  return {
    stats: storeStats(store.db),
    traces: reader.findTraces({ errorOnly: false, attrs: [], limit: 100 }),
    services: reader.services(),
    operations: reader.operations('checkout'),
    traceServices: store.db.prepare('SELECT * FROM trace_services ORDER BY trace_id, service').all(),
  };
}

describe('trace summaries', () => {
  it('lets a late root replace the earliest span and widen start and duration', () => {
    const t = traceId(5);
    const child = (n: number, start: bigint, service = 'checkout') =>
      makeRecord({
        traceId: t,
        spanId: spanId(n),
        parentSpanId: spanId(1),
        name: `child-${n}`,
        resource: makeResource(service),
        startTimeUnixNano: start,
        endTimeUnixNano: start + 2n * MS,
      });
    writer.writeSpans([child(3, BASE_NS + 5n * MS, 'db'), child(2, BASE_NS + 3n * MS)]);
    let [summary] = reader.findTraces({ errorOnly: false, attrs: [], limit: 10 });
    expect(summary).toMatchObject({ rootName: 'child-2', rootService: 'checkout', spanCount: 2 });
    expect(summary.startTimeUnixNano).toBe(BASE_NS + 3n * MS);
    expect(summary.durationNs).toBe(4n * MS);
    expect(summary.services).toEqual(['checkout', 'db']);

    // An earlier non-root span takes over the name until the root arrives.
    writer.writeSpans([child(4, BASE_NS + 2n * MS, 'auth')]);
    [summary] = reader.findTraces({ errorOnly: false, attrs: [], limit: 10 });
    expect(summary).toMatchObject({ rootName: 'child-4', rootService: 'auth', services: ['auth', 'checkout', 'db'] });

    const root = makeRecord({
      traceId: t,
      spanId: spanId(1),
      name: 'GET /checkout',
      resource: makeResource('frontend'),
      startTimeUnixNano: BASE_NS + 1n * MS,
      endTimeUnixNano: BASE_NS + 20n * MS,
      statusCode: 2,
    });
    writer.writeSpans([root]);
    // Spans starting before the root (clock skew) do not take the name back from it.
    writer.writeSpans([child(6, BASE_NS)]);
    [summary] = reader.findTraces({ errorOnly: false, attrs: [], limit: 10 });
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
    // Every service's copy of the trace's start and duration moved with it.
    const rows = store.db
      .prepare('SELECT service, start_ns, duration_ns FROM trace_services WHERE trace_id = ? ORDER BY service')
      .safeIntegers(true)
      .all(t);
    expect(rows).toEqual(
      ['auth', 'checkout', 'db', 'frontend'].map((service) => ({ service, start_ns: BASE_NS, duration_ns: 20n * MS })),
    );
  });

  it('counts services, traces per service and errors across batches', () => {
    writer.writeSpans([
      makeRecord({ traceId: traceId(1), spanId: spanId(1), statusCode: 2 }),
      makeRecord({ traceId: traceId(1), spanId: spanId(2), resource: makeResource('db') }),
    ]);
    writer.writeSpans([
      makeRecord({ traceId: traceId(1), spanId: spanId(3), resource: makeResource('db'), statusCode: 2 }),
      makeRecord({ traceId: traceId(2), spanId: spanId(4), resource: makeResource('db'), statusCode: 1 }),
    ]);
    expect(reader.services()).toEqual([
      { name: 'checkout', requests: 1, errors: 1, spanCount: 1, errorSpanCount: 1, traceCount: 1 },
      { name: 'db', requests: 3, errors: 1, spanCount: 3, errorSpanCount: 1, traceCount: 2 },
    ]);
    const [t1] = reader.findTraces({ errorOnly: true, attrs: [], limit: 10 });
    expect(t1).toMatchObject({ traceId: traceId(1), spanCount: 3, errorCount: 2 });
  });
});

describe('operations', () => {
  it('keeps span and error counts and percentiles within 1 % of exact, across batches', () => {
    const durations: number[] = [];
    let n = 0;
    for (let batch = 0; batch < 4; batch++) {
      const records: SpanRecord[] = [];
      for (let i = 0; i < 2_500; i++, n++) {
        // a skewed spread: 0.1 ms to ~30 ms, heavier at the low end
        const d = BigInt(Math.round(1e5 * Math.pow(300, ((n * 7919) % 10_007) / 10_007)));
        durations.push(Number(d));
        records.push(
          makeRecord({
            traceId: traceId(1 + (n % 97)),
            spanId: spanId(n + 1),
            name: 'SELECT',
            kind: 3,
            statusCode: n % 10 === 0 ? 2 : 0,
            startTimeUnixNano: BASE_NS,
            endTimeUnixNano: BASE_NS + d,
          }),
        );
      }
      writer.writeSpans(records);
    }
    writer.writeSpans([makeRecord({ spanId: spanId(99_998), name: 'SELECT', kind: 1 }), makeRecord({ spanId: spanId(99_999), name: 'A' })]);
    const ops = reader.operations('checkout');
    expect(ops.map((o) => [o.name, o.kind, o.spanCount])).toEqual([['A', 2, 1], ['SELECT', 1, 1], ['SELECT', 3, 10_000]]);
    const select = ops[2];
    expect(select.errorCount).toBe(1_000);
    const sorted = [...durations].sort((a, b) => a - b);
    const exact = (q: number) => sorted[Math.floor(q * (sorted.length - 1))];
    for (const [got, q] of [[select.p50Ns, 0.5], [select.p95Ns, 0.95], [select.p99Ns, 0.99]] as const) {
      expect(Math.abs(got - exact(q)) / exact(q)).toBeLessThan(0.011);
    }
    expect(reader.operations('nobody')).toEqual([]);
  });
});
