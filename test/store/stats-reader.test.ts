import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATENCY_BUCKET_BOUNDS_NS } from '../../src/model/stats-ports.js';
import type { SpanRecord } from '../../src/model/span.js';
import { SqliteStatsReader } from '../../src/store/stats-reader.js';
import { SqliteSpanWriter } from '../../src/store/writer.js';
import { tempDb } from '../fixtures/store-db.js';
import { BASE_NS, makeRecord, makeResource, MS, spanId, traceId } from '../fixtures/store-records.js';

/**
 * api: 100 spans "GET /items" one second apart, 1..100 ms long, every 10th an error; 10 spans "POST /items"
 * of 200 ms in the last 10 s. db: 5 spans "SELECT" of 500 µs at the start.
 */
let store: ReturnType<typeof tempDb>;
const API = makeResource('api');
const DB = makeResource('db');

function records(): SpanRecord[] {
  const out: SpanRecord[] = [];
  const span = (n: number, resource: typeof API, name: string, startMs: number, durMs: number, error = false) => {
    const start = BASE_NS + BigInt(startMs) * MS;
    out.push(makeRecord({ traceId: traceId(n), spanId: spanId(n), resource, name, startTimeUnixNano: start,
      endTimeUnixNano: start + BigInt(Math.round(durMs * 1e6)), statusCode: error ? 2 : 0 }));
  };
  for (let i = 0; i < 100; i++) span(1 + i, API, 'GET /items', i * 1000, i + 1, i % 10 === 9);
  for (let i = 0; i < 10; i++) span(200 + i, API, 'POST /items', 90_000 + i * 1000, 200);
  for (let i = 0; i < 5; i++) span(300 + i, DB, 'SELECT', i * 1000, 0.5);
  return out;
}

beforeAll(() => {
  store = tempDb();
  new SqliteSpanWriter(store.db).writeSpans(records());
  store.db.exec('ANALYZE');
});
afterAll(() => store.close());

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const at = (ms: number) => BASE_NS + BigInt(ms) * MS;

describe('SqliteStatsReader', () => {
  it('all time: every service and operation from the maintained sketches', () => {
    const { services, spansRead } = new SqliteStatsReader(store.db).serviceStats();
    expect(spansRead).toBe(0);
    expect(services.map((s) => [s.name, s.requests, s.errors])).toEqual([['api', 110, 10], ['db', 5, 0]]);
    const get = services[0].operations.find((o) => o.name === 'GET /items')!;
    expect(get).toMatchObject({ requests: 100, errors: 10, kind: 2 });
    expect(get.p50Ns / 1e6).toBeCloseTo(50, -0.5);
    expect(get.p99Ns / 1e6).toBeCloseTo(99, -0.5);
    expect(sum(get.histogram)).toBe(100);
    expect(get.histogram).toHaveLength(LATENCY_BUCKET_BOUNDS_NS.length + 1);
    // 500 µs falls in (316 µs, 1 ms]: the third bucket.
    expect(services[1].histogram[2]).toBe(5);
  });

  it('a window: only spans starting in it, aggregated the same way', () => {
    const { services, spansRead } = new SqliteStatsReader(store.db).serviceStats({ startNs: at(50_000), endNs: at(99_000) });
    expect(services.map((s) => s.name)).toEqual(['api']); // db has nothing in the window: left out
    expect(spansRead).toBe(60);
    const [api] = services;
    expect(api).toMatchObject({ requests: 60, errors: 5, capped: false });
    expect(api.operations.map((o) => [o.name, o.requests])).toEqual([['GET /items', 50], ['POST /items', 10]]);
    expect(api.p99Ns / 1e6).toBeCloseTo(200, -1);
  });

  it('caps the spans read per service, newest first, and says so', () => {
    const { services, spansRead, capPerService } = new SqliteStatsReader(store.db, 20).serviceStats({ startNs: 0n, endNs: at(1e9) });
    expect(capPerService).toBe(10);
    const db = services.find((s) => s.name === 'db')!;
    const api = services.find((s) => s.name === 'api')!;
    // db (smallest) goes first and uses 5 of its 10; api gets the remaining 15: the newest (from 92 s on, where
    // a GET and a POST start each second), so about half are the late POSTs.
    expect([db.requests, db.capped]).toEqual([5, false]);
    expect([api.requests, api.capped]).toEqual([15, true]);
    expect(api.operations.find((o) => o.name === 'POST /items')?.requests).toBeGreaterThanOrEqual(7);
    expect(spansRead).toBe(20);
  });

  it('reads a window through spans_service_start, newest first, without a scan or a sort', () => {
    const plan = new SqliteStatsReader(store.db).explain();
    expect(plan).toEqual(['SEARCH spans USING INDEX spans_service_start (service=? AND start_ns>? AND start_ns<?)']);
  });
});
