import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, type JsonSpanSpec } from '../helpers/otlp-json.js';
import { startServer, tempDbPath, type TestServer } from '../helpers/server.js';

/**
 * Every filter that reaches SQL, in the native API, Jaeger's v1 and v3 APIs, Tempo's search and TraceQL and the
 * search page, given injection strings. Each answer is a 2xx or 4xx, never a 5xx; none shows the stored trace,
 * which the same request with a matching value does show (so the check could see a leak); afterwards the tables,
 * their row counts and `integrity_check` are as before.
 */
const INJECTIONS = [
  "' OR 1=1 --",
  '" OR ""="',
  '"; DROP TABLE chunks; --',
  "'; DELETE FROM traces; --",
  "') UNION SELECT name, sql FROM sqlite_master --",
  '%',
  '_',
  '%%',
  '\\',
  '\\%',
  '*',
  'sho_',
  'sh%',
  '\u0000',
  'shop\u0000',
  '?1',
  ':service',
  'x'.repeat(8_000),
];

// No leading zero: Tempo writes trace IDs without them.
const TRACE = 'abcdef0123456789abcdef0123456789';
const now = Date.now();
const startNs = BigInt(now - 60_000) * 1_000_000n;
const spans: Record<string, JsonSpanSpec[]> = {
  shop: [{ traceId: TRACE, spanId: 'a000000000000001', name: 'GET /cart', kind: 2, start: startNs, durationNs: 5_000_000n, attributes: { 'http.route': '/cart' } }],
  db: [{ traceId: TRACE, spanId: 'a000000000000002', parentSpanId: 'a000000000000001', name: 'SELECT', kind: 3, start: startNs + 1_000n, durationNs: 1_000_000n, attributes: { 'db.system': 'sqlite' } }],
};

let server: TestServer;
let dbPath: string;
let before: Snapshot;

interface Snapshot {
  tables: string[];
  counts: Record<string, number>;
}

function snapshot(): Snapshot {
  const db = new Database(dbPath, { readonly: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    const counts = Object.fromEntries(tables.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    return { tables, counts };
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  dbPath = tempDbPath().db;
  server = await startServer({ listen: false, db: dbPath });
  const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: exportRequest(spans), headers: { 'content-type': 'application/json' } });
  expect(res.statusCode).toBe(200);
  before = snapshot();
  expect(before.tables).toContain('chunks');
  expect(before.counts.chunks).toBeGreaterThan(0);
});
afterAll(async () => server.close());

const enc = encodeURIComponent;
const window = `start=${now - 3_600_000}&end=${now + 60_000}`;
const v3Window = `query.start_time_min=${enc(new Date(now - 3_600_000).toISOString())}&query.start_time_max=${enc(new Date(now + 60_000).toISOString())}`;
const us = (ms: number) => ms * 1000;
const jaegerWindow = `start=${us(now - 3_600_000)}&end=${us(now + 60_000)}`;
const traceql = (v: string) => JSON.stringify(v);

/** A filter slot: the URL for a value, the value that matches the stored trace, and what a match shows. */
interface Slot {
  name: string;
  url: (v: string) => string;
  match: string;
  shows: string;
}

const SLOTS: Slot[] = [
  { name: 'native service', url: (v) => `/api/traces?service=${enc(v)}&${window}`, match: 'shop', shows: TRACE },
  { name: 'native operation', url: (v) => `/api/traces?service=shop&operation=${enc(v)}&${window}`, match: 'GET /cart', shows: TRACE },
  { name: 'native attr value', url: (v) => `/api/traces?attr=${enc(`http.route=${v}`)}&${window}`, match: '/cart', shows: TRACE },
  { name: 'native attr key', url: (v) => `/api/traces?attr=${enc(`${v}=/cart`)}&${window}`, match: 'http.route', shows: TRACE },
  { name: 'native unindexed attr', url: (v) => `/api/traces?attr=${enc(`db.system=${v}`)}&${window}`, match: 'sqlite', shows: TRACE },
  { name: 'native alsoService', url: (v) => `/api/traces?service=shop&alsoService=${enc(v)}&${window}`, match: 'db', shows: TRACE },
  { name: 'native operations of a service', url: (v) => `/api/services/${enc(v)}/operations`, match: 'shop', shows: 'GET /cart' },
  { name: 'Jaeger v1 service', url: (v) => `/jaeger/api/traces?service=${enc(v)}&${jaegerWindow}`, match: 'shop', shows: TRACE },
  { name: 'Jaeger v1 operation', url: (v) => `/jaeger/api/traces?service=shop&operation=${enc(v)}&${jaegerWindow}`, match: 'GET /cart', shows: TRACE },
  { name: 'Jaeger v1 tags value', url: (v) => `/jaeger/api/traces?service=shop&tags=${enc(JSON.stringify({ 'http.route': v }))}&${jaegerWindow}`, match: '/cart', shows: TRACE },
  { name: 'Jaeger v1 tags key', url: (v) => `/jaeger/api/traces?service=shop&tags=${enc(JSON.stringify({ [v]: '/cart' }))}&${jaegerWindow}`, match: 'http.route', shows: TRACE },
  { name: 'Jaeger v1 tag', url: (v) => `/jaeger/api/traces?service=shop&tag=${enc(`http.route:${v}`)}&${jaegerWindow}`, match: '/cart', shows: TRACE },
  { name: 'Jaeger v1 operations', url: (v) => `/jaeger/api/services/${enc(v)}/operations`, match: 'shop', shows: 'GET /cart' },
  { name: 'Jaeger v1 operations?service', url: (v) => `/jaeger/api/operations?service=${enc(v)}`, match: 'shop', shows: 'GET /cart' },
  { name: 'Jaeger v3 service_name', url: (v) => `/api/v3/traces?query.service_name=${enc(v)}&${v3Window}`, match: 'shop', shows: 'GET /cart' },
  { name: 'Jaeger v3 operation_name', url: (v) => `/api/v3/traces?query.service_name=shop&query.operation_name=${enc(v)}&${v3Window}`, match: 'GET /cart', shows: 'GET /cart' },
  { name: 'Jaeger v3 operations', url: (v) => `/api/v3/operations?service=${enc(v)}`, match: 'shop', shows: 'GET /cart' },
  { name: 'Tempo tags (logfmt)', url: (v) => `/tempo/api/search?tags=${enc(`service.name=${JSON.stringify(v)}`)}&start=${Math.floor(now / 1000) - 3600}&end=${Math.floor(now / 1000) + 60}`, match: 'shop', shows: TRACE },
  { name: 'TraceQL resource.service.name', url: (v) => `/tempo/api/search?q=${enc(`{ resource.service.name = ${traceql(v)} }`)}`, match: 'shop', shows: TRACE },
  { name: 'TraceQL name', url: (v) => `/tempo/api/search?q=${enc(`{ name = ${traceql(v)} }`)}`, match: 'GET /cart', shows: TRACE },
  { name: 'TraceQL span attribute', url: (v) => `/tempo/api/search?q=${enc(`{ span.http.route = ${traceql(v)} }`)}`, match: '/cart', shows: TRACE },
  { name: 'TraceQL regex', url: (v) => `/tempo/api/search?q=${enc(`{ span.http.route =~ ${traceql(v)} }`)}`, match: '/cart', shows: TRACE },
  { name: 'TraceQL && of two conditions', url: (v) => `/tempo/api/search?q=${enc(`{ resource.service.name = "db" && name = ${traceql(v)} }`)}`, match: 'SELECT', shows: TRACE },
  { name: 'TraceQL unindexed attribute', url: (v) => `/tempo/api/search?q=${enc(`{ .db.system = ${traceql(v)} }`)}`, match: 'sqlite', shows: TRACE },
  { name: 'Tempo tag values', url: (v) => `/tempo/api/search/tag/${enc(v)}/values`, match: 'http.route', shows: '/cart' },
  { name: 'Tempo v2 tag values', url: (v) => `/tempo/api/v2/search/tag/${enc(`span.${v}`)}/values`, match: 'http.route', shows: '/cart' },
];

describe.each(SLOTS)('$name', (slot) => {
  it('shows the stored trace for the matching value (so a leak would be seen)', async () => {
    const res = await server.ui.inject({ method: 'GET', url: slot.url(slot.match) });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.body).toContain(slot.shows);
  });

  it.each(INJECTIONS.map((v) => [v.length > 40 ? `${v.slice(0, 10)}… (${v.length} chars)` : JSON.stringify(v), v]))('%s: no 5xx, nothing that does not match', async (_label, value) => {
    const res = await server.ui.inject({ method: 'GET', url: slot.url(value) });
    expect(res.statusCode, res.body.slice(0, 300)).toBeLessThan(500);
    expect(res.body).not.toContain(slot.shows);
  });
});

describe('raw text as the whole TraceQL query, the search page and typed parameters', () => {
  it.each(INJECTIONS)('%j: a 2xx or 4xx with a message', async (value) => {
    for (const url of [
      `/tempo/api/search?q=${enc(value)}`,
      `/?service=${enc(value)}&operation=${enc(value)}&attr=${enc(`${value}=${value}`)}`,
      `/services?service=${enc(value)}`,
      `/map?service=${enc(value)}`,
      `/api/traces?minDuration=${enc(value)}&maxDuration=${enc(value)}`,
      `/api/traces?limit=${enc(value)}`,
      `/api/traces?cursor=${enc(value)}`,
      `/api/traces?start=${enc(value)}&end=${enc(value)}`,
      `/api/traces?error=${enc(value)}`,
      `/api/traces/${enc(value)}`,
      `/jaeger/api/traces?service=shop&limit=${enc(value)}&lookback=${enc(value)}`,
      `/jaeger/api/traces/${enc(value)}`,
      `/jaeger/api/dependencies?endTs=${enc(value)}&lookback=${enc(value)}`,
      `/tempo/api/traces/${enc(value)}`,
      `/tempo/api/search?tags=${enc(value)}`,
      `/tempo/api/search?q=${enc('{}')}&limit=${enc(value)}&spss=${enc(value)}&minDuration=${enc(value)}`,
      `/tempo/api/v2/search/tags?scope=${enc(value)}`,
    ]) {
      const res = await server.ui.inject({ method: 'GET', url });
      expect(res.statusCode, `${url.slice(0, 120)}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
      if (res.statusCode >= 400) expect(res.body.length, url.slice(0, 120)).toBeGreaterThan(0);
    }
  });
});

describe('afterwards', () => {
  it('every table is there with the rows it had, and integrity_check is ok', () => {
    expect(snapshot()).toEqual(before);
    expect(server.reader.getTrace(TRACE)).toHaveLength(2);
  });
});
