import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * A filter on an attribute tracelite does not index is checked on the newest 5,000 candidate traces; past that
 * the API and the search page say matches may be missing instead of answering "none" as if it were sure.
 * 5,010 traces of one span, the 5 oldest with `n=old`, every thousandth with `n=rare`.
 */
let server: TestServer;
const MS = 1_000_000n;

beforeAll(async () => {
  server = await startServer({ listen: false });
  const spans = Array.from({ length: 5_010 }, (_, i) => ({
    traceId: tid(i + 1), spanId: sid(i + 1), name: 'GET /', kind: 2, start: T0 + BigInt(i) * MS, durationNs: MS,
    attributes: { n: i < 5 ? 'old' : i % 1000 === 7 ? 'rare' : 'new' },
  })); // prettier-ignore
  const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: exportRequest({ web: spans }), headers: { 'content-type': 'application/json' } });
  expect(res.statusCode).toBe(200);
});
afterAll(async () => server.close());

describe('a search on an unindexed attribute', () => {
  it('the API answers what it found and why it may not be all', async () => {
    const res = await server.ui.inject({ method: 'GET', url: '/api/traces?attr=n=old' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ traces: [], nextCursor: null, incomplete: expect.stringMatching(/^n is not indexed: searched the newest 5,000 traces/) });
    const narrowed = await server.ui.inject({ method: 'GET', url: `/api/traces?attr=n=old&end=${(T0 + 100n * MS) / MS}` });
    expect(narrowed.json().traces).toHaveLength(5);
    expect(narrowed.json()).not.toHaveProperty('incomplete');
  });

  it('the search page says so beside its answer', async () => {
    const res = await server.ui.inject({ method: 'GET', url: '/?attr=n%3Dold' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('No traces match this search.');
    expect(res.body).toMatch(/Not every trace was checked \(n is not indexed: searched the newest 5,000 traces/);
    // The newest 5,000 hold five of the six rare ones.
    const found = await server.ui.inject({ method: 'GET', url: '/?attr=n%3Drare' });
    expect(found.body).toContain('5 traces');
    expect(found.body).toMatch(/Some matches may be missing: n is not indexed/);
    const enough = await server.ui.inject({ method: 'GET', url: '/?attr=n%3Dnew&limit=5' });
    expect(enough.body).not.toMatch(/matches may be missing/);
  });
});
