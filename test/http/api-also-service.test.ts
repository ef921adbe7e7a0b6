import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** GET /api/traces?alsoService=: the search a service-map edge links to. */

let server: TestServer;
const MS = 1_000_000n;

// Trace 1: web → api → db. Trace 2: web → api. Trace 3: web alone. Trace 4: api → db (no web).
beforeAll(async () => {
  server = await startServer({ listen: false });
  const at = (n: number) => T0 + BigInt(n) * 1000n * MS;
  const body = exportRequest({
    web: [1, 2, 3].map((n) => ({ traceId: tid(n), spanId: sid(n * 10), name: 'GET /', kind: 2, start: at(n), durationNs: 50n * MS })),
    api: [1, 2, 4].map((n) => ({ traceId: tid(n), spanId: sid(n * 10 + 1), parentSpanId: n === 4 ? '' : sid(n * 10), name: 'GET /items',
      kind: 2, start: at(n) + MS, durationNs: 40n * MS })),
    db: [1, 4].map((n) => ({ traceId: tid(n), spanId: sid(n * 10 + 2), parentSpanId: sid(n * 10 + 1), name: 'SELECT', kind: 2,
      start: at(n) + 2n * MS, durationNs: 10n * MS })),
  });
  const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: body, headers: { 'content-type': 'application/json' } });
  expect(res.statusCode).toBe(200);
});
afterAll(async () => server.close());

const ids = async (qs: string): Promise<number[]> => {
  const res = await server.ui.inject({ method: 'GET', url: `/api/traces?${qs}` });
  expect(res.statusCode, qs).toBe(200);
  return (res.json().traces as Array<{ traceId: string }>).map((t) => parseInt(t.traceId, 16));
};

describe('GET /api/traces?alsoService=', () => {
  it('keeps the traces of service that also contain the other service', async () => {
    expect(await ids('service=web')).toEqual([3, 2, 1]);
    expect(await ids('service=web&alsoService=api')).toEqual([2, 1]);
    expect(await ids('service=api&alsoService=db')).toEqual([4, 1]);
  });

  it('is repeatable (AND) and works without a service', async () => {
    expect(await ids('service=web&alsoService=api&alsoService=db')).toEqual([1]);
    expect(await ids('alsoService=db')).toEqual([4, 1]);
    expect(await ids('alsoService=web&alsoService=db')).toEqual([1]);
  });

  it('ignores an empty value and finds nothing for an unknown service', async () => {
    expect(await ids('service=web&alsoService=')).toEqual([3, 2, 1]);
    expect(await ids('service=web&alsoService=nobody')).toEqual([]);
  });

  it('combines with time range and paging', async () => {
    expect(await ids(`service=web&alsoService=api&start=${(T0 + 1500n * MS) / MS}`)).toEqual([2]);
    const first = await server.ui.inject({ method: 'GET', url: '/api/traces?service=web&alsoService=api&limit=1' });
    const { nextCursor } = first.json();
    expect(await ids(`service=web&alsoService=api&limit=1&cursor=${nextCursor}`)).toEqual([1]);
  });
});
