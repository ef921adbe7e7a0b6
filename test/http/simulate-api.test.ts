import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keptAtRate } from '../../src/sampling/evaluate.js';
import { exportRequest, sid, T0, type JsonSpanSpec } from '../helpers/otlp-json.js';
import { getJson, startServer, type TestServer } from '../helpers/server.js';

/**
 * GET/POST /api/sampling/simulate on a real store filled over OTLP/HTTP: 1,000 traces of `frontend GET /` with a
 * child call, random trace IDs as SDKs make them, every 20th failed in the child (50 errored traces), every
 * 100th 800–900 ms and the rest 20–59 ms (10 p99-slow traces, with a gap below them), and 30 traces of
 * `frontend GET /health`.
 */

const MS = 1_000_000n;
const T0_MS = T0 / MS;
let server: TestServer;
const ids: string[] = [];
const allIds: string[] = [];
const errored = new Set<string>();
const slow = new Set<string>();

beforeAll(async () => {
  server = await startServer({ listen: false, now: () => Number(T0_MS) + 30 * 60_000 });
  const spans: JsonSpanSpec[] = [];
  for (let i = 0; i < 1030; i++) {
    const traceId = randomBytes(16).toString('hex');
    const health = i >= 1000;
    const ms = health ? 1 : i % 100 === 50 ? 800 + (i % 7) * 10 : 20 + (i % 40);
    const start = T0 + BigInt(i) * 50n * MS;
    const failed = !health && i % 20 === 7;
    allIds.push(traceId);
    if (!health) ids.push(traceId);
    if (failed) errored.add(traceId);
    if (ms >= 800) slow.add(traceId);
    spans.push({ traceId, spanId: sid(2 * i + 1), name: health ? 'GET /health' : 'GET /', kind: 2, start, durationNs: BigInt(ms) * MS, attributes: { 'http.route': health ? '/health' : '/' } });
    spans.push({ traceId, spanId: sid(2 * i + 2), parentSpanId: sid(2 * i + 1), name: 'charge', kind: 3, start: start + MS, durationNs: BigInt(ms - 1) * MS, error: failed });
  }
  for (let at = 0; at < spans.length; at += 500) {
    const res = await server.ui.inject({
      method: 'POST',
      url: '/v1/traces',
      payload: exportRequest({ frontend: spans.slice(at, at + 500) }, { 'deployment.environment': 'prod' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(200);
  }
});
afterAll(async () => server.close());

const WINDOW = `start=${T0_MS}&end=${T0_MS + 3_600_000n}`;
const post = async (payload: object) => {
  const res = await server.ui.inject({ method: 'POST', url: '/api/sampling/simulate', payload });
  return { status: res.statusCode, body: res.json() };
};

describe('GET /api/sampling/simulate', () => {
  it('replays the window: the starter policy keeps every incident, head sampling at 1 % about 1 % of them', async () => {
    const { status, body } = await getJson(server, `/api/sampling/simulate?policy=starter&head=0.01&${WINDOW}`);
    expect(status).toBe(200);
    expect(body.window).toMatchObject({ traces: 1030, spans: 2060, limit: 200_000, more: false, startTimeUnixNano: String(T0) });
    expect(body.policy.name).toBe('starter');
    expect(body.incidents).toMatchObject({ errored: 50, slow: 10, unjudgedTraces: 30 });
    expect(body.incidents.thresholds).toEqual([{ rootService: 'frontend', rootName: 'GET /', traces: 1000, p99Ms: 59, slow: 10 }]);
    expect(body.tail.errored).toMatchObject({ total: 50, kept: 50, missed: 0, keptShare: 1 });
    expect(body.tail.slow).toMatchObject({ total: 10, kept: 10, missed: 0, keptShare: 1 });
    for (const e of body.tail.slow.examples.kept) expect(slow.has(e.traceId)).toBe(true);

    // Head sampling is the trace ID's randomness: exactly what keptAtRate keeps, about 1 % of the incidents.
    expect(body.head.kept).toBe(allIds.filter((id) => keptAtRate(id, 0.01)).length);
    const headErrors = [...errored].filter((id) => keptAtRate(id, 0.01)).length;
    expect(body.head.errored).toMatchObject({ total: 50, kept: headErrors, missed: 50 - headErrors });
    expect(headErrors).toBeLessThan(50 * 0.01 + 6 * Math.sqrt(50 * 0.01 * 0.99)); // 6 standard deviations
    expect(body.head.slow.missed + body.head.slow.kept).toBe(10);
    expect(body.head.errored.examples.missed.length).toBe(5);
  });

  it('says what storage the strategies save, from the store’s bytes per span', async () => {
    const { body } = await getJson(server, `/api/sampling/simulate?head=0.01&${WINDOW}`);
    expect(body.storage.bytesPerSpan).toBeGreaterThan(0);
    for (const s of [body.tail, body.head]) {
      expect(s.spansKept + s.spansDropped).toBe(2060);
      expect(Math.abs(s.bytesSaved - s.spansDropped * body.storage.bytesPerSpan)).toBeLessThanOrEqual(s.spansDropped);
    }
    expect(body.tail.kept).toBeLessThan(1030);
  });

  it('links examples to stored traces', async () => {
    const { body } = await getJson(server, `/api/sampling/simulate?head=0.01&${WINDOW}`);
    const ex = body.head.errored.examples.missed[0];
    expect(ex.href).toBe(`/trace/${ex.traceId}`);
    expect((await server.ui.inject({ method: 'GET', url: ex.href })).statusCode).toBe(200);
    expect((await getJson(server, `/api/traces/${ex.traceId}`)).status).toBe(200);
  });

  it('is deterministic, and the default window is the last hour', async () => {
    const a = await getJson(server, `/api/sampling/simulate?policy=starter&head=0.1&${WINDOW}`);
    const b = await getJson(server, `/api/sampling/simulate?policy=starter&head=0.1&${WINDOW}`);
    expect(b.body).toEqual(a.body);
    const dflt = await getJson(server, '/api/sampling/simulate?head=0.1');
    expect(dflt.body.window.startTimeUnixNano).toBe(String(T0 - 30n * 60_000n * MS));
    expect(dflt.body.window.traces).toBe(1030);
    expect(dflt.body.tail).toEqual(a.body.tail);
    expect(dflt.body.head).toEqual(a.body.head);
    expect((await getJson(server, '/api/sampling/simulate')).body.head).toBeNull();
  });

  it('takes a policy as URL-encoded JSON, and POST takes it as an object or as text', async () => {
    const policy = {
      name: 'no-health',
      rules: [
        { name: 'health', type: 'attribute', key: 'http.route', value: '/health', action: 'drop' },
        { name: 'prod', type: 'attribute', key: 'deployment.environment', match: '^pro' },
      ],
    };
    const get = await getJson(server, `/api/sampling/simulate?policy=${encodeURIComponent(JSON.stringify(policy))}&${WINDOW}`);
    expect(get.status).toBe(200);
    expect(get.body.tail.rules.map((r: { name: string; traces: number }) => [r.name, r.traces])).toEqual([
      ['health', 30],
      ['prod', 1000],
      ['default', 0],
    ]);
    const start = String(T0_MS);
    const end = String(T0_MS + 3_600_000n);
    const asObject = await post({ policy, head: 0.01, start, end });
    expect(asObject.status).toBe(200);
    expect(asObject.body.tail).toEqual(get.body.tail);
    expect(asObject.body.head.rate).toBe(0.01);
    expect((await post({ policy: JSON.stringify(policy), start, end })).body.tail).toEqual(get.body.tail);
  });
});

describe('bad input is a 400 that says what is wrong', () => {
  it.each([
    ['policy=nonsense', 'policy must be "starter" or a policy as JSON'],
    [`policy=${encodeURIComponent('{"rules": [')}`, 'policy is not valid JSON'],
    [`policy=${encodeURIComponent('{"rules":[{"type":"error"},{"name":"slow","type":"latency","tresholdMs":5}]}')}`, 'policy: rules[1] (slow): unknown field "tresholdMs"'],
    [`policy=${encodeURIComponent('{"rules":[{"name":"rest","type":"probabilistic","rate":5}]}')}`, 'rules[0] (rest): rate must be between 0 and 1'],
    ['head=2', 'head must be a rate between 0 and 1'],
    ['head=one', 'head must be a rate'],
    ['start=yesterday', 'start'],
  ])('GET ?%s', async (qs, message) => {
    const { status, body } = await getJson(server, `/api/sampling/simulate?${qs}`);
    expect(status).toBe(400);
    expect(body.error).toContain(message);
  });

  it('POST: a bad policy object, a field it does not know', async () => {
    const bad = await post({ policy: { rules: [{ name: 'x', type: 'rate-limit' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('rules[0] (x): tracesPerSecond must be a number');
    const unknown = await post({ polcy: 'starter' });
    expect(unknown.status).toBe(400);
  });
});
