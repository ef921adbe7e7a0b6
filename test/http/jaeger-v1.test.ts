import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T0 } from '../helpers/otlp-json.js';
import { getJson, startServer, type TestServer } from '../helpers/server.js';
import { GOLDEN_A, loadJaegerFixtures, ms, NOW_MS, S, searchTid, TRACE_64, TRACE_A, us } from '../fixtures/jaeger-traces.js';

/**
 * Jaeger's v1 query API under /jaeger, against a real store filled over OTLP/HTTP: the envelope of jaeger's
 * http_handler.go (`structuredResponse`: data, total, limit 0, offset 0, errors null or [{code, msg, traceID?}]),
 * the trace model of internal/uimodel (GOLDEN_A, every mapping rule), every search parameter, and the errors.
 */

let server: TestServer;
const get = (url: string) => getJson(server, url);
const ok = (data: unknown, total = 0) => ({ data, total, limit: 0, offset: 0, errors: null });
const failed = (code: number) => ({ data: null, total: 0, limit: 0, offset: 0, errors: [{ code, msg: expect.any(String) }] });
/** The web traces' window, in epoch µs. */
const WEB = `service=web&start=${us(T0)}&end=${us(T0 + 10n * S)}`;
const ids = (body: { data: Array<{ traceID: string }> }) => body.data.map((t) => t.traceID);
const [W1, W2, W3] = [1, 2, 3].map(searchTid);

beforeAll(async () => {
  server = await startServer({ listen: false, now: () => NOW_MS });
  await loadJaegerFixtures(server);
});
afterAll(async () => server.close());

describe('services and operations', () => {
  it('GET /jaeger/api/services lists every service, total = their number', async () => {
    const res = await get('/jaeger/api/services');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(ok(['api', 'backend', 'frontend', 'solo svc', 'web', 'worker'], 6));
  });

  it('GET /jaeger/api/services/{service}/operations: unique names of every kind; the path value is URL-decoded', async () => {
    expect((await get('/jaeger/api/services/backend/operations')).body).toEqual(ok(['SELECT', 'publish'], 2));
    expect((await get('/jaeger/api/services/solo%20svc/operations')).body).toEqual(ok(['only'], 1));
    expect((await get('/jaeger/api/services/nobody/operations')).body).toEqual(ok([], 0));
  });

  it('GET /jaeger/api/operations?service=&spanKind=: name and kind, UNSPECIFIED as the empty kind, internal selecting both', async () => {
    expect((await get('/jaeger/api/operations?service=worker')).body).toEqual(
      ok([{ name: 'consume', spanKind: 'consumer' }, { name: 'tick', spanKind: '' }], 2),
    );
    expect((await get('/jaeger/api/operations?service=worker&spanKind=internal')).body).toEqual(ok([{ name: 'tick', spanKind: '' }], 1));
    expect((await get('/jaeger/api/operations?service=backend&spanKind=client')).body).toEqual(ok([{ name: 'SELECT', spanKind: 'client' }], 1));
    expect((await get('/jaeger/api/operations?service=backend&spanKind=')).body.data).toHaveLength(2);
    expect((await get('/jaeger/api/operations?service=frontend&spanKind=server')).body).toEqual(ok([{ name: 'GET /checkout', spanKind: 'server' }], 1));
  });

  it('GET /jaeger/api/operations without a service, or with an unknown kind, is a 400 in the envelope', async () => {
    expect(await get('/jaeger/api/operations')).toEqual({ status: 400, body: failed(400) });
    const bad = await get('/jaeger/api/operations?service=web&spanKind=sever');
    expect(bad).toEqual({ status: 400, body: failed(400) });
    expect(bad.body.errors[0].msg).toMatch(/spanKind/);
  });
});

describe('GET /jaeger/api/traces/{id}', () => {
  it('is the Jaeger UI trace of every mapping rule (kinds, status, scope, events → logs, links → FOLLOWS_FROM, value types, µs)', async () => {
    const res = await get(`/jaeger/api/traces/${TRACE_A}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(ok([GOLDEN_A]));
  });

  it('keeps the process order of first spans and the JSON key order of uimodel', async () => {
    const res = await server.ui.inject(`/jaeger/api/traces/${TRACE_A}`);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.json())).toEqual(['data', 'total', 'limit', 'offset', 'errors']);
    const [span] = res.json().data[0].spans;
    expect(Object.keys(span)).toEqual(['traceID', 'spanID', 'flags', 'operationName', 'references', 'startTime', 'duration', 'tags', 'logs', 'processID', 'warnings']);
    expect(Object.keys(res.json().data[0])).toEqual(['traceID', 'spans', 'processes', 'warnings']);
  });

  it('takes the ID in any case, as 16 hex digits for a 64-bit ID (and answers it so), or as base64', async () => {
    expect((await get(`/jaeger/api/traces/${TRACE_A.toUpperCase()}`)).body.data[0].traceID).toBe(TRACE_A);
    const short = await get('/jaeger/api/traces/a3ce929d0e0e4736');
    expect(short.status).toBe(200);
    expect(short.body.data[0].traceID).toBe('a3ce929d0e0e4736');
    expect(short.body.data[0].spans[0].traceID).toBe('a3ce929d0e0e4736');
    expect(short.body.data[0].processes).toEqual({ p1: { serviceName: 'solo svc', tags: [] } });
    expect((await get(`/jaeger/api/traces/${TRACE_64}`)).body.data[0].traceID).toBe('a3ce929d0e0e4736');
    const b64 = Buffer.from(TRACE_A, 'hex').toString('base64');
    expect((await get(`/jaeger/api/traces/${encodeURIComponent(b64)}`)).body.data[0].traceID).toBe(TRACE_A);
    expect((await get(`/jaeger/api/traces/${Buffer.from(TRACE_A, 'hex').toString('base64url')}`)).body.data[0].traceID).toBe(TRACE_A);
  });

  it('checks the start/end hints (µs) but finds the trace without them, as Grafana sends milliseconds there', async () => {
    const res = await get(`/jaeger/api/traces/${TRACE_A}?start=${ms(T0)}&end=${ms(T0 + S)}`);
    expect(res.status).toBe(200);
    expect(res.body.data[0].traceID).toBe(TRACE_A);
    expect(await get(`/jaeger/api/traces/${TRACE_A}?start=yesterday`)).toEqual({ status: 400, body: failed(400) });
    expect(await get(`/jaeger/api/traces/${TRACE_A}?raw=maybe`)).toEqual({ status: 400, body: failed(400) });
    expect((await get(`/jaeger/api/traces/${TRACE_A}?raw=true`)).status).toBe(200);
  });

  it('is a 404 for an unknown trace and a 400 for an ID that is neither hex nor base64, in the envelope', async () => {
    expect(await get(`/jaeger/api/traces/${'f'.repeat(32)}`)).toEqual({
      status: 404,
      body: { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 404, msg: 'trace not found' }] },
    });
    expect(await get('/jaeger/api/traces/not-a-trace!')).toEqual({ status: 400, body: failed(400) });
  });

  it('prettyPrint indents with four spaces, as Jaeger does', async () => {
    const res = await server.ui.inject(`/jaeger/api/traces/${TRACE_64}?prettyPrint=true`);
    expect(res.body.startsWith('{\n    "data": [')).toBe(true);
  });
});

describe('GET /jaeger/api/traces (search)', () => {
  it('answers full traces, newest first, in the envelope (total 0 and errors null, as Jaeger)', async () => {
    const res = await get(`/jaeger/api/traces?${WEB}`);
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([W3, W2, W1]);
    expect(res.body).toEqual({ data: expect.any(Array), total: 0, limit: 0, offset: 0, errors: null });
    const t1 = res.body.data[2];
    expect(t1.spans.map((s: { operationName: string }) => s.operationName)).toEqual(['GET /home', 'GET api', 'handle']);
    expect(t1.processes).toEqual({ p1: { serviceName: 'web', tags: [] }, p2: { serviceName: 'api', tags: [] } });
  });

  it('start and end are epoch µs, both inclusive', async () => {
    const from2 = await get(`/jaeger/api/traces?service=web&start=${us(T0 + 2n * S)}&end=${us(T0 + 10n * S)}`);
    expect(ids(from2.body)).toEqual([W3, W2]);
    const to2 = await get(`/jaeger/api/traces?service=web&start=${us(T0)}&end=${us(T0 + 2n * S)}`);
    expect(ids(to2.body)).toEqual([W2, W1]);
    const exact = await get(`/jaeger/api/traces?service=web&start=${us(T0 + 2n * S)}&end=${us(T0 + 2n * S)}`);
    expect(ids(exact.body)).toEqual([W2]);
  });

  it('without start: end − lookback (Go durations and days), else 48 h; end defaults to now', async () => {
    // The servers' clock is T0 + 10 s; the web traces start at T0 + 1, 2, 3 s.
    expect(ids((await get('/jaeger/api/traces?service=web&lookback=1h')).body)).toEqual([W3, W2, W1]);
    expect(ids((await get('/jaeger/api/traces?service=web&lookback=2d')).body)).toEqual([W3, W2, W1]);
    expect(ids((await get('/jaeger/api/traces?service=web&lookback=7500ms')).body)).toEqual([W3]);
    expect(ids((await get('/jaeger/api/traces?service=web&lookback=5s')).body)).toEqual([]);
    expect(ids((await get('/jaeger/api/traces?service=web&lookback=custom')).body)).toEqual([W3, W2, W1]);
    expect(ids((await get('/jaeger/api/traces?service=web')).body)).toEqual([W3, W2, W1]);
    // An explicit start wins over lookback, as in Jaeger (which ignores lookback).
    expect(ids((await get(`/jaeger/api/traces?service=web&lookback=5s&start=${us(T0)}`)).body)).toEqual([W3, W2, W1]);
    expect(ids((await get(`/jaeger/api/traces?service=web&end=${us(T0 + 2n * S)}&lookback=500ms`)).body)).toEqual([W2]);
  });

  it('minDuration and maxDuration are Go durations, inclusive', async () => {
    expect(ids((await get(`/jaeger/api/traces?${WEB}&minDuration=50ms`)).body)).toEqual([W3, W2]);
    expect(ids((await get(`/jaeger/api/traces?${WEB}&maxDuration=100ms`)).body)).toEqual([W2, W1]);
    expect(ids((await get(`/jaeger/api/traces?${WEB}&minDuration=0.1s&maxDuration=0.1s`)).body)).toEqual([W2]);
    expect(ids((await get(`/jaeger/api/traces?${WEB}&minDuration=5us&maxDuration=1h2m`)).body)).toEqual([W3, W2, W1]);
    expect(ids((await get(`/jaeger/api/traces?${WEB}&minDuration=1.2s`)).body)).toEqual([]);
    expect(ids((await get(`/jaeger/api/traces?${WEB}&minDuration=0`)).body)).toEqual([W3, W2, W1]);
  });

  it('tags (JSON, repeatable) and tag=k:v are ANDed attribute filters; numbers in tags JSON count as their text', async () => {
    const q = (s: string) => get(`/jaeger/api/traces?${WEB}&${s}`);
    expect(ids((await q(`tags=${encodeURIComponent('{"customer":"alice"}')}`)).body)).toEqual([W3, W1]);
    expect(ids((await q(`tags=${encodeURIComponent('{"http.status_code":"500"}')}`)).body)).toEqual([W2]);
    expect(ids((await q(`tags=${encodeURIComponent('{"http.status_code":500}')}`)).body)).toEqual([W2]);
    expect(ids((await q('tag=customer:bob')).body)).toEqual([W2]);
    expect(ids((await q(`tags=${encodeURIComponent('{"customer":"alice"}')}&tags=${encodeURIComponent('{"http.status_code":"500"}')}`)).body)).toEqual([]);
    expect(ids((await q(`tag=customer:alice&tag=http.status_code:200`)).body)).toEqual([W3, W1]);
    expect(ids((await q(`tags=${encodeURIComponent('{}')}`)).body)).toEqual([W3, W2, W1]);
  });

  it('tags {"error":"true"} (the tag the model writes for a failed span) selects failed traces; process tags match too', async () => {
    const q = (s: string) => get(`/jaeger/api/traces?start=${us(T0)}&end=${us(T0 + 10n * S)}&${s}`);
    expect(ids((await q(`service=web&tags=${encodeURIComponent('{"error":"true"}')}`)).body)).toEqual([W2]);
    expect(ids((await q('service=web&tag=error:true&tag=customer:alice')).body)).toEqual([]);
    expect(ids((await q(`tags=${encodeURIComponent('{"error":"true"}')}`)).body)).toEqual([W2, TRACE_A]);
    expect(ids((await q(`tags=${encodeURIComponent('{"host.name":"web-1"}')}`)).body)).toEqual([TRACE_A]);
  });

  it('raw takes Go booleans (1, t, TRUE, false, …): tracelite never adjusts traces, so every answer is raw', async () => {
    for (const raw of ['1', 't', 'TRUE', 'False', '0']) expect(ids((await get(`/jaeger/api/traces?${WEB}&raw=${raw}`)).body)).toHaveLength(3);
  });

  it('operation matches a span of the service; limit keeps the newest (Jaeger default 100)', async () => {
    expect(ids((await get(`/jaeger/api/traces?${WEB}&operation=${encodeURIComponent('GET /home')}`)).body)).toEqual([W3, W2, W1]);
    expect(ids((await get(`/jaeger/api/traces?${WEB}&operation=handle`)).body)).toEqual([]);
    expect(ids((await get(`/jaeger/api/traces?service=api&start=${us(T0)}&operation=handle`)).body)).toEqual([W3, W2, W1]);
    expect(ids((await get(`/jaeger/api/traces?${WEB}&limit=2`)).body)).toEqual([W3, W2]);
  });

  it('searches every service when none is given (tracelite can; Jaeger backends may refuse)', async () => {
    const all = await get(`/jaeger/api/traces?start=${us(T0)}&end=${us(T0 + 10n * S)}`);
    expect(ids(all.body)).toEqual(['a3ce929d0e0e4736', W3, W2, W1, TRACE_A]);
  });

  it('traceID (repeatable) is a multi-get: other filters do not apply, unknown IDs go to errors with their traceID', async () => {
    const res = await get(`/jaeger/api/traces?service=nobody&traceID=${W1}&traceID=${'f'.repeat(32)}&traceID=${TRACE_64}&traceID=${W1}`);
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([W1, 'a3ce929d0e0e4736']);
    expect(res.body.errors).toEqual([{ msg: 'trace not found', traceID: 'f'.repeat(32) }]);
    expect(res.body).toMatchObject({ total: 0, limit: 0, offset: 0 });
    expect((await get(`/jaeger/api/traces?traceID=${W2}`)).body).toEqual(ok([expect.objectContaining({ traceID: W2 })]));
  });

  it.each([
    ['start=yesterday', 'start'],
    ['end=-5', 'end'],
    [`start=${us(T0 + 3n * S)}&end=${us(T0)}`, 'end must not be before start'],
    ['minDuration=1x', 'minDuration'],
    ['minDuration=100', 'minDuration'],
    ['minDuration=2s&maxDuration=1s', "'maxDuration' should be greater than 'minDuration'"],
    ['tags=notjson', 'tags'],
    [`tags=${encodeURIComponent('["a"]')}`, 'tags'],
    [`tags=${encodeURIComponent('{"a":{"b":1}}')}`, 'tags'],
    ['tag=nocolon', 'tag'],
    ['limit=0', 'limit'],
    ['limit=ten', 'limit'],
    ['limit=1001', 'limit'],
    ['lookback=forever', 'lookback'],
    ['traceID=zz', 'traceID'],
    ['raw=perhaps', 'raw'],
  ])('%s is a 400 in the envelope naming the parameter', async (query, named) => {
    const res = await get(`/jaeger/api/traces?service=web&${query}`);
    expect(res).toEqual({ status: 400, body: failed(400) });
    expect(res.body.errors[0].msg).toContain(named);
  });
});

describe('GET /jaeger/api/dependencies', () => {
  it('is the service graph of [endTs − lookback, endTs] (ms), one link per parent → child', async () => {
    const res = await get(`/jaeger/api/dependencies?endTs=${ms(T0 + 10n * S)}&lookback=60000`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(
      ok([
        { parent: 'backend', child: 'worker', callCount: 1 },
        { parent: 'frontend', child: 'backend', callCount: 2 },
        { parent: 'web', child: 'api', callCount: 3 },
      ]),
    );
  });

  it('defaults to the 24 h before now; service keeps the links it is in; a window without calls is empty', async () => {
    expect((await get('/jaeger/api/dependencies')).body.data).toHaveLength(3);
    expect((await get('/jaeger/api/dependencies?service=backend')).body).toEqual(
      ok([
        { parent: 'backend', child: 'worker', callCount: 1 },
        { parent: 'frontend', child: 'backend', callCount: 2 },
      ]),
    );
    expect((await get(`/jaeger/api/dependencies?endTs=${ms(T0 - 3_600n * S)}&lookback=60000`)).body).toEqual(ok([]));
  });

  it('endTs and lookback must be integers of milliseconds', async () => {
    expect(await get('/jaeger/api/dependencies?endTs=now')).toEqual({ status: 400, body: failed(400) });
    expect(await get('/jaeger/api/dependencies?lookback=1h')).toEqual({ status: 400, body: failed(400) });
  });
});

it('an unknown path under /jaeger is a 404 in the envelope', async () => {
  expect(await get('/jaeger/api/nothing')).toEqual({ status: 404, body: failed(404) });
});
