import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATENCY_BUCKET_BOUNDS_NS } from '../../src/model/stats-ports.js';
import type { Span } from '../../src/model/span.js';
import { NS_PER_MINUTE } from '../../src/store/minute-stats.js';
import { BASE_NS, makeResource, makeSpan, MS, spanId, tempStore, traceId, type TempStore } from '../fixtures/store-spans.js';

/**
 * api serves 100 `GET /items` one second apart, 1..100 ms long, every 10th failing (its SERVER span and the
 * request-handler span under it both carry the error, as with Express); each makes one call to
 * 127.0.0.1:5432, answered by db's `query` SERVER span reached at localhost:5432. 10 `POST /items` of 200 ms in
 * the last 10 s. cron runs one root INTERNAL job. BASE_NS is 20 s into a minute: spans of the first 40 s fall in
 * that minute, the rest in the next. Written in three commits, db's spans before the calls that made them.
 */
let store: TempStore;
const API = makeResource('api');
const DB = makeResource('db');
const CRON = makeResource('cron');
let nextSpan = 1;

function spans(): Span[][] {
  const calls: Span[] = [];
  const served: Span[] = [];
  const add = (to: Span[], trace: number, parent: string, resource: typeof API, name: string, kind: number, startMs: number, durMs: number,
    error: boolean, attributes: Span['attributes'] = {}): string => {
    const start = BASE_NS + BigInt(startMs) * MS;
    const id = spanId(nextSpan++);
    to.push(makeSpan({ traceId: traceId(trace), spanId: id, parentSpanId: parent, resource, name, kind, startTimeUnixNano: start,
      endTimeUnixNano: start + BigInt(Math.round(durMs * 1e6)), statusCode: error ? 2 : 0, attributes }));
    return id;
  }; // prettier-ignore
  for (let i = 0; i < 100; i++) {
    const failed = i % 10 === 9;
    const root = add(calls, 1 + i, '', API, 'GET /items', 2, i * 1000, i + 1, failed);
    const handler = add(calls, 1 + i, root, API, 'request handler - /items', 1, i * 1000, i + 0.5, failed);
    const call = add(calls, 1 + i, handler, API, 'GET', 3, i * 1000, 0.5, false, { 'server.address': '127.0.0.1', 'server.port': 5432 });
    add(served, 1 + i, call, DB, 'query', 2, i * 1000, 0.4, false, { 'server.address': 'localhost', 'server.port': 5432 });
  }
  const later: Span[] = [];
  for (let i = 0; i < 10; i++) add(later, 200 + i, '', API, 'POST /items', 2, 90_000 + i * 1000, 200, false);
  add(later, 300, '', CRON, 'nightly job', 1, 0, 2000, false);
  return [served, calls, later];
}

beforeAll(() => {
  store = tempStore();
  for (const batch of spans()) store.write(batch, 0);
});
afterAll(() => store.close());

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const at = (ms: number) => BASE_NS + BigInt(ms) * MS;

describe('SqliteStatsReader', () => {
  it('counts requests as entry spans and errors as failed requests, once each', () => {
    const services = store.stats.serviceStats();
    const row = (name: string) => services.find((s) => s.name === name)!;
    expect(services.map((s) => s.name)).toEqual(['api', 'cron', 'db']);
    expect(row('api')).toMatchObject({ count: 110, errors: 10, spanCount: 310, errorSpanCount: 20, traceCount: 110 });
    expect(row('db')).toMatchObject({ count: 100, errors: 0, traceCount: 100 });
    expect(row('cron')).toMatchObject({ count: 1, errors: 0 }); // a root INTERNAL span is a request too
  });

  it('lists operations by role, with calls named by the service that answers at their address', () => {
    const api = store.stats.serviceStats().find((s) => s.name === 'api')!;
    expect(api.operations.map((o) => [o.role, o.label, o.count, o.errors])).toEqual([
      ['entry', 'GET /items', 100, 10],
      ['entry', 'POST /items', 10, 0],
      ['call', 'GET → db', 100, 0],
      ['internal', 'request handler - /items', 100, 10],
    ]);
    const get = api.operations[0];
    expect(get.p50Ns / 1e6).toBeCloseTo(50, -0.5);
    expect(get.p99Ns / 1e6).toBeCloseTo(99, -0.5);
    expect(sum(get.histogram)).toBe(100);
    expect(get.histogram).toHaveLength(LATENCY_BUCKET_BOUNDS_NS.length + 1);
    expect(api.operations[2]).toMatchObject({ kind: 3, callee: 'db', name: 'GET' });
  });

  it('a window sums the minutes it touches', () => {
    const firstMinuteEnds = ((BASE_NS / NS_PER_MINUTE) + 1n) * NS_PER_MINUTE;
    expect(firstMinuteEnds - BASE_NS).toBe(40_000n * MS);
    const services = store.stats.serviceStats({ startNs: at(50_000), endNs: at(99_000) });
    expect(services.map((s) => s.name)).toEqual(['api', 'db']); // cron's job started in the first minute
    const [api, db] = services;
    // The second minute holds GET 40..99 (errors at 49, 59, …, 99) and every POST.
    expect(api).toMatchObject({ count: 70, errors: 6, traceCount: 70 });
    expect(api.operations.map((o) => [o.label, o.count])).toEqual([
      ['GET /items', 60], ['POST /items', 10], ['GET → db', 60], ['request handler - /items', 60],
    ]);
    expect(api.p99Ns / 1e6).toBeCloseTo(200, -1);
    expect(db.count).toBe(60);
  });

  it('reads a window through op_minutes_minute and op_hours_hour, without a scan', () => {
    const plan = store.stats.explain();
    expect(plan).toEqual([
      'SEARCH op_minutes USING INDEX op_minutes_minute (minute>? AND minute<?)',
      'SEARCH op_hours USING INDEX op_hours_hour (hour>? AND hour<?)',
    ]);
  });

  it('summarises services and operations for the API without a window', () => {
    const reader = store.reader;
    expect(reader.services().find((s) => s.name === 'api')).toEqual({
      name: 'api', requests: 110, errors: 10, spanCount: 310, errorSpanCount: 20, traceCount: 110,
    });
    const ops = reader.operations('api');
    expect(ops.map((o) => [o.role, o.label, o.spanCount])).toEqual([
      ['entry', 'GET /items', 100], ['entry', 'POST /items', 10], ['call', 'GET → db', 100], ['internal', 'request handler - /items', 100],
    ]);
  });
});
