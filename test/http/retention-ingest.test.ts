import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { eventually, startServer, type TestServer } from '../helpers/server.js';

/**
 * --max-spans while spans keep arriving: the oldest traces go, whole, between commits and on the writer's timer,
 * and ingest never stops being answered. 120 requests of 10 traces × 5 spans (6,000 spans) against a limit of 1,000.
 */
let server: TestServer;
const MS = 1_000_000n;
const LIMIT = 1_000;
const REQUESTS = 120;

function request(r: number): string {
  const spans = [];
  for (let t = 0; t < 10; t++) {
    const trace = r * 10 + t + 1;
    const start = T0 + BigInt(trace) * 10n * MS;
    for (let s = 0; s < 5; s++) {
      spans.push({ traceId: tid(trace), spanId: sid(trace * 10 + s), parentSpanId: s === 0 ? '' : sid(trace * 10), name: s === 0 ? 'GET /' : 'work',
        kind: s === 0 ? 2 : 1, start: start + BigInt(s) * MS, durationNs: MS }); // prettier-ignore
    }
  }
  return exportRequest({ web: spans });
}

async function storedTraces(): Promise<Map<number, number>> {
  const res = await server.ui.inject({ method: 'GET', url: '/api/traces?limit=1000' });
  return new Map((res.json().traces as Array<{ traceId: string; spanCount: number }>).map((t) => [parseInt(t.traceId, 16), t.spanCount]));
}

beforeAll(async () => {
  server = await startServer({ listen: false, maxSpans: LIMIT });
});
afterAll(async () => server.close());

describe('retention with ingest running', () => {
  it('keeps the newest traces whole under the span limit, and every export is acknowledged', async () => {
    const statuses: number[] = [];
    // Four senders at once, as exporters of several services would.
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < REQUESTS) {
          const body = request(next++);
          const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: body, headers: { 'content-type': 'application/json' } });
          statuses.push(res.statusCode);
        }
      }),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const kept = await eventually(async () => {
      const t = await storedTraces();
      const spans = [...t.values()].reduce((a, b) => a + b, 0);
      return spans <= LIMIT ? t : undefined;
    });
    const spans = [...kept.values()].reduce((a, b) => a + b, 0);
    expect(spans).toBeGreaterThan(LIMIT * 0.5); // deletes stop once under the limit
    expect([...kept.values()].every((n) => n === 5)).toBe(true); // traces go whole
    // Deleted oldest (by arrival) first: the traces kept are the newest ones, give or take one request of four
    // senders arriving out of turn.
    const ids = [...kept.keys()].sort((a, b) => a - b);
    expect(ids.at(-1)).toBe(REQUESTS * 10);
    expect(ids[0]).toBeGreaterThan(REQUESTS * 10 - ids.length - 4 * 10);
    const gone = await server.ui.inject({ method: 'GET', url: `/api/traces/${tid(1)}` });
    expect(gone.statusCode).toBe(404);
  });
});
