import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { api, getSequentially, maybeWriteFixture, Services, waitForTraces, type SpanJson, type TraceJson } from '../fixtures/real-apps/spawn.js';

// The lesson of a fan-out, on real Express services run with the newcomer's setup: shop's handler awaits
// GET inventory/items/1 … /items/5 one after another (an N+1 loop), then GET pricing/price, then POST
// payments/charge (test/fixtures/real-apps/express-fanout.cjs). Two findings: the repeated call to inventory
// (batch it) ranks first, then the sequential calls to different services (run them in parallel).

const REQUESTS = 3;
/** Spans per checkout besides tcp.connect, as measured: 8 per service visit (1 SERVER, 7 INTERNAL) × 8, and 7 CLIENT. */
const SPANS = 71;
/** Node's back-to-back calls overlap by up to ~0.5 ms (ARCHITECTURE.md); the analysis allows 1 ms. */
const TOLERANCE_NS = 1_000_000n;

let server: TestServer;
let services: Services;
let traces: TraceJson[];

beforeAll(async () => {
  server = await startServer();
  services = new Services(server);
  const [inventory, pricing, payments] = await Promise.all([
    services.start('express-fanout', 'inventory', { ROLE: 'inventory' }),
    services.start('express-fanout', 'pricing', { ROLE: 'pricing' }),
    services.start('express-fanout', 'payments', { ROLE: 'payments' }),
  ]);
  const shop = await services.start('express-fanout', 'shop', {
    ROLE: 'shop',
    INVENTORY_URL: inventory,
    PRICING_URL: pricing,
    PAYMENTS_URL: payments,
  });
  expect(await getSequentially(`${shop}/checkout`, REQUESTS)).toEqual(Array(REQUESTS).fill(200));
  traces = await waitForTraces(server, { service: 'shop', name: 'GET /checkout' }, REQUESTS, SPANS);
  maybeWriteFixture('express-fanout', traces[0]);
}, 60_000);

afterAll(async () => {
  await services?.stopAll();
  await server?.close();
});

function overlapping(calls: SpanJson[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const sorted = [...calls].sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1));
  for (let i = 1; i < sorted.length; i++) {
    for (let j = 0; j < i; j++) {
      if (BigInt(sorted[i].startTimeUnixNano) + TOLERANCE_NS < BigInt(sorted[j].endTimeUnixNano)) {
        pairs.push([sorted[j].spanId, sorted[i].spanId]);
      }
    }
  }
  return pairs;
}

describe('fan-out: 5 calls to inventory, then pricing, then payments, one after another', () => {
  it('stores seven CLIENT spans under shop’s request handler, none overlapping', () => {
    for (const t of traces) {
      const calls = t.spans.filter((s) => s.kind === 'client');
      expect(calls.map((s) => `${s.name} ${s.attributes['url.path']}`)).toEqual(
        ['/items/1', '/items/2', '/items/3', '/items/4', '/items/5'].map((p) => `GET ${p}`).concat(['GET /price', 'POST /charge']),
      );
      expect(new Set(calls.map((s) => s.parentSpanId)).size).toBe(1);
      expect(overlapping(calls)).toEqual([]);
    }
  });

  it('ranks the repeated call to inventory before the sequential calls to different services', async () => {
    for (const t of traces) {
      const { fanOut } = await api(server, `/api/traces/${t.traceId}/analysis`);
      const repeated = fanOut.findIndex((f: any) => f.kind === 'repeated' && f.target === 'inventory');
      const sequential = fanOut.findIndex((f: any) => f.kind === 'sequential');
      expect(repeated, `a repeated finding for inventory in ${JSON.stringify(fanOut)}`).toBeGreaterThanOrEqual(0);
      expect(sequential, `a sequential finding in ${JSON.stringify(fanOut)}`).toBeGreaterThanOrEqual(0);
      expect(repeated).toBeLessThan(sequential);
      const inventoryCalls = t.spans.filter((s) => s.kind === 'client' && /\/items\/\d$/.test(String(s.attributes['url.path'])));
      expect(fanOut[repeated].calls).toBe(5);
      expect(fanOut[repeated].callSpanIds).toEqual(inventoryCalls.map((s) => s.spanId));
      expect(fanOut[sequential].targets).toEqual(expect.arrayContaining(['pricing', 'payments']));
      expect(fanOut[repeated].couldSaveMs).toBeGreaterThan(0);
      expect(fanOut[sequential].couldSaveMs).toBeGreaterThan(0);
    }
  });

  it('claims no calls that overlapped: each finding’s calls ran one per round, and none of them overlap', async () => {
    for (const t of traces) {
      const { fanOut } = await api(server, `/api/traces/${t.traceId}/analysis`);
      const clients = new Map(t.spans.filter((s) => s.kind === 'client').map((s) => [s.spanId, s]));
      for (const f of fanOut) {
        const calls = (f.callSpanIds as string[]).map((id) => clients.get(id));
        expect(calls, `${JSON.stringify(f)} names CLIENT spans only`).not.toContain(undefined);
        expect(overlapping(calls as SpanJson[]), JSON.stringify(f)).toEqual([]);
        expect([f.rounds, f.calls], JSON.stringify(f)).toEqual([calls.length, calls.length]);
      }
    }
  });
});
