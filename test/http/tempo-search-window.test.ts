import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * A TraceQL condition the indexes cannot narrow is checked on the spans of at most the newest 5,000 candidate
 * traces; past that the answer says it may be incomplete (`incomplete`, beside Tempo's `metrics`) instead of
 * answering "none" as if it were sure. 5,010 one-span traces, the 5 oldest with `n=old`.
 */
let server: TestServer;
const MS = 1_000_000n;

beforeAll(async () => {
  server = await startServer({ listen: false });
  const spans = Array.from({ length: 5_010 }, (_, i) => ({
    traceId: tid(i + 1), spanId: sid(i + 1), name: i % 2 ? 'GET /a' : 'GET /b', kind: 2, start: T0 + BigInt(i) * MS, durationNs: MS,
    attributes: { n: i < 5 ? 'old' : 'new' },
  })); // prettier-ignore
  const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: exportRequest({ web: spans }), headers: { 'content-type': 'application/json' } });
  expect(res.statusCode).toBe(200);
});
afterAll(async () => server.close());

const search = async (params: Record<string, string>) => (await server.ui.inject({ method: 'GET', url: `/tempo/api/search?${new URLSearchParams(params)}` })).json();

describe('TraceQL over the bounded window', () => {
  it('an unindexed condition past the window: what was found, and why it may not be all', async () => {
    const body = await search({ q: '{.n="old"}' });
    expect(body).toEqual({
      traces: [],
      metrics: { inspectedTraces: 5_000, completedJobs: 1, totalJobs: 1 },
      incomplete: 'the query has conditions the indexes cannot narrow: checked the spans of the newest 5,000 candidate traces',
    });
  });

  it('narrowed by time or by an indexed condition, the same query is complete', async () => {
    const end = String((T0 + 100n * MS) / 1_000_000_000n);
    const byTime = await search({ q: '{.n="old"}', end, start: String(T0 / 1_000_000_000n) });
    expect(byTime.traces).toHaveLength(5);
    expect(byTime).not.toHaveProperty('incomplete');
    const byName = await search({ q: '{name="GET /b" && .n="old"}', limit: '5' });
    expect(byName.traces.map((t: { traceID: string }) => t.traceID)).toEqual(['5', '3', '1']);
    expect(byName).not.toHaveProperty('incomplete');
  });

  it('an indexed search reads only the page: {name=…} with limit 20 reads 20 traces of 5,010', async () => {
    const body = await search({ q: '{name="GET /a"}' });
    expect(body.traces).toHaveLength(20);
    expect(body.metrics.inspectedTraces).toBe(20);
  });
});
