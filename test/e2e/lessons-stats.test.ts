import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { startChain } from '../fixtures/real-apps/chain.js';
import { api, failed, getSequentially, Services, waitForTraces, type SpanJson, type TraceJson } from '../fixtures/real-apps/spawn.js';

// GET /api/stats against traffic from real services (the newcomer's setup): a service's `requests` are its
// entry spans (SERVER or CONSUMER, plus root spans of other kinds) and `errors` the failed ones among them,
// counted here by hand from the stored traces; each outgoing call target has a row of its own.
// One tracelite for four scenarios: the Express chain, the Fastify chain, the retry and the fan-out.

const REQUESTS = 3;

let server: TestServer;
let services: Services;

beforeAll(async () => {
  server = await startServer();
  services = new Services(server);
  const [web, fastifyWeb, quotes, shop] = await Promise.all([
    startChain(services, 'express-chain'),
    startChain(services, 'fastify-chain', { web: 'fastify-web', orders: 'fastify-orders', payment: 'fastify-payment' }),
    services.start('express-retry', 'flaky', { ROLE: 'flaky' }).then((flaky) =>
      services.start('express-retry', 'quotes', { ROLE: 'web', FLAKY_URL: flaky }),
    ),
    Promise.all(['inventory', 'pricing', 'payments'].map((name) => services.start('express-fanout', name, { ROLE: name }))).then(
      ([inventory, pricing, payments]) =>
        services.start('express-fanout', 'shop', { ROLE: 'shop', INVENTORY_URL: inventory, PRICING_URL: pricing, PAYMENTS_URL: payments }),
    ),
  ]);
  await getSequentially(`${web}/checkout`, REQUESTS);
  await getSequentially(`${fastifyWeb}/checkout`, REQUESTS);
  await getSequentially(`${quotes}/quote`, REQUESTS);
  await getSequentially(`${shop}/checkout`, REQUESTS);
  // Span counts per trace besides tcp.connect, as in the scenario tests; Fastify's listen() resolves its host
  // with dns.lookup, a root CLIENT span in a trace of its own, once per service.
  await Promise.all([
    waitForTraces(server, { service: 'web', name: 'GET /checkout' }, REQUESTS, 26),
    waitForTraces(server, { service: 'fastify-web', name: 'GET' }, REQUESTS, 5),
    waitForTraces(server, { service: 'quotes', name: 'GET /quote' }, REQUESTS, 26),
    waitForTraces(server, { service: 'shop', name: 'GET /checkout' }, REQUESTS, 71),
    ...['fastify-web', 'fastify-orders', 'fastify-payment'].map((s) => waitForTraces(server, { service: s, name: 'dns.lookup' }, 1, 1)),
  ]);
}, 60_000);

afterAll(async () => {
  await services?.stopAll();
  await server?.close();
});

/** Every stored span, read the way a user would: each service's traces, then each trace. */
async function storedSpans(): Promise<SpanJson[]> {
  const { services: list } = await api<{ services: Array<{ name: string }> }>(server, '/api/services');
  const ids = new Set<string>();
  for (const { name } of list) {
    const { traces } = await api<{ traces: Array<{ traceId: string }> }>(server, `/api/traces?service=${encodeURIComponent(name)}&limit=1000`);
    for (const t of traces) ids.add(t.traceId);
  }
  const traces = await Promise.all([...ids].map((id) => api<TraceJson>(server, `/api/traces/${id}`)));
  return traces.flatMap((t) => t.spans);
}

const isEntry = (s: SpanJson) => s.kind === 'server' || s.kind === 'consumer' || s.parentSpanId === '';

/** requests and errors per service, counted by hand. */
function entriesByService(spans: SpanJson[]): Record<string, { requests: number; errors: number }> {
  const out: Record<string, { requests: number; errors: number }> = {};
  for (const s of spans.filter(isEntry)) {
    const row = (out[s.service] ??= { requests: 0, errors: 0 });
    row.requests++;
    if (failed(s)) row.errors++;
  }
  return out;
}

/** "POST → payment": calls (CLIENT spans) per caller and answering service, counted by hand. */
function callsByTarget(spans: SpanJson[]): Record<string, Record<string, { calls: number; errors: number }>> {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const answeredBy = new Map(spans.filter((s) => s.kind === 'server').map((s) => [s.parentSpanId, s.service]));
  const out: Record<string, Record<string, { calls: number; errors: number }>> = {};
  for (const s of spans) {
    if (s.kind !== 'client' || !answeredBy.has(s.spanId) || !byId.has(s.parentSpanId)) continue;
    const label = `${s.attributes['http.request.method']} → ${answeredBy.get(s.spanId)}`;
    const row = ((out[s.service] ??= {})[label] ??= { calls: 0, errors: 0 });
    row.calls++;
    if (failed(s)) row.errors++;
  }
  return out;
}

/** GET /api/stats as { service: {requests, errors} } and the raw rows. */
async function stats(query = ''): Promise<{ byService: Record<string, { requests: number; errors: number }>; rows: any[] }> {
  const body = await api(server, `/api/stats${query}`);
  const byService = Object.fromEntries(body.services.map((s: any) => [s.name, { requests: s.requests, errors: s.errors }]));
  return { byService, rows: body.services };
}

/** An operation row's count, whatever the API calls it. */
const countOf = (o: any): number => o.requests ?? o.count ?? o.calls;

describe('GET /api/stats after real traffic', () => {
  it('the hand count is what the traffic made (3 requests per scenario)', async () => {
    const spans = await storedSpans();
    // The span JSON shows status, not the stored error flag; here they agree: every span the HTTP rule of
    // model/failure.ts fails (5xx, or 4xx on a CLIENT span) also has status ERROR.
    const httpFailedOnly = spans.filter((s) => {
      const code = Number(s.attributes['http.response.status_code']);
      return (code >= 500 || (code >= 400 && s.kind === 'client')) && s.status.code !== 'error';
    });
    expect(httpFailedOnly).toEqual([]);
    expect(entriesByService(spans)).toEqual({
      web: { requests: 3, errors: 3 },
      orders: { requests: 3, errors: 3 },
      payment: { requests: 3, errors: 3 },
      // 3 checkouts and the dns.lookup of listen().
      'fastify-web': { requests: 4, errors: 3 },
      'fastify-orders': { requests: 4, errors: 3 },
      'fastify-payment': { requests: 4, errors: 3 },
      quotes: { requests: 3, errors: 0 },
      flaky: { requests: 6, errors: 3 },
      shop: { requests: 3, errors: 0 },
      inventory: { requests: 15, errors: 0 },
      pricing: { requests: 3, errors: 0 },
      payments: { requests: 3, errors: 0 },
    });
  });

  it('counts requests as entry spans and errors as the failed ones, per service (all time)', async () => {
    const before = entriesByService(await storedSpans());
    const { byService } = await stats();
    expect(entriesByService(await storedSpans()), 'stored spans changed while reading').toEqual(before);
    expect(byService).toEqual(before);
  });

  it('counts the same over a window that holds all the traffic', async () => {
    const spans = await storedSpans();
    const firstMs = Number(spans.map((s) => BigInt(s.startTimeUnixNano)).reduce((a, b) => (a < b ? a : b)) / 1_000_000n);
    const { byService } = await stats(`?start=${firstMs - 120_000}&end=${Date.now() + 120_000}`);
    expect(byService).toEqual(entriesByService(spans));
  });

  it('has a row per outgoing call target, with its own count and errors', async () => {
    const spans = await storedSpans();
    const expected = callsByTarget(spans);
    expect(expected).toEqual({
      web: { 'POST → orders': { calls: 3, errors: 3 } },
      orders: { 'POST → payment': { calls: 3, errors: 3 } },
      'fastify-web': { 'POST → fastify-orders': { calls: 3, errors: 3 } },
      'fastify-orders': { 'POST → fastify-payment': { calls: 3, errors: 3 } },
      quotes: { 'GET → flaky': { calls: 6, errors: 3 } },
      shop: { 'GET → inventory': { calls: 15, errors: 0 }, 'GET → pricing': { calls: 3, errors: 0 }, 'POST → payments': { calls: 3, errors: 0 } },
    });
    const { rows } = await stats();
    for (const [service, calls] of Object.entries(expected)) {
      const ops: any[] = rows.find((s) => s.name === service)?.operations ?? [];
      for (const [label, { calls: n, errors }] of Object.entries(calls)) {
        const row = ops.find((o) => o.kind === 'client' && (o.name === label || o.label === label));
        expect(row, `${service}: a client row "${label}" among ${JSON.stringify(ops.map((o) => [o.name, o.label, o.kind]))}`).toBeDefined();
        expect([countOf(row), row.errors], `${service} ${label}`).toEqual([n, errors]);
      }
    }
  });
});
