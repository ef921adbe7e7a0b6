import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { expectPaymentRootCause, startChain } from '../fixtures/real-apps/chain.js';
import { getSequentially, maybeWriteFixture, Services, waitForTraces, type TraceJson } from '../fixtures/real-apps/spawn.js';

// The lesson of a failed request, on real Fastify 5 services run with the newcomer's setup unchanged.
// getNodeAutoInstrumentations() has no Fastify instrumentation (removed from the bundle in favour of
// @fastify/otel, which a newcomer does not have), so each service sends only its http SERVER span and undici's
// CLIENT span, and payment's exception lands on the SERVER span, the one active in its handler:
// web → orders → payment, payment's handler records CardDeclinedError on the active span and answers 500,
// orders and web answer 502 (test/fixtures/real-apps/fastify-chain.cjs, README.md there for the span shapes).

const REQUESTS = 3;
/** Spans per checkout besides tcp.connect, as measured: 1 SERVER per service, 2 CLIENT. */
const SPANS = 5;

let server: TestServer;
let services: Services;
let traces: TraceJson[];

beforeAll(async () => {
  server = await startServer();
  services = new Services(server);
  const web = await startChain(services, 'fastify-chain');
  expect(await getSequentially(`${web}/checkout`, REQUESTS)).toEqual(Array(REQUESTS).fill(502));
  traces = await waitForTraces(server, { service: 'web', name: 'GET' }, REQUESTS, SPANS);
  maybeWriteFixture('fastify-chain', traces[0]);
}, 60_000);

afterAll(async () => {
  await services?.stopAll();
  await server?.close();
});

describe('Fastify chain web → orders → payment', () => {
  it('stores the shape the README describes: HTTP spans only, the exception on payment’s SERVER span', () => {
    for (const t of traces) {
      const shape = t.spans
        .filter((s) => s.name !== 'tcp.connect')
        .map((s) => [s.service, s.kind, s.name, s.attributes['http.response.status_code'], s.status.code, s.events.map((e) => e.name)]);
      expect(shape.sort()).toEqual([
        ['orders', 'client', 'POST', 500, 'error', []],
        ['orders', 'server', 'POST', 502, 'error', []],
        ['payment', 'server', 'POST', 500, 'error', ['exception']],
        ['web', 'client', 'POST', 502, 'error', []],
        ['web', 'server', 'GET', 502, 'error', []],
      ]);
    }
  });

  it('names payment as the root cause, with its exception, and the chain payment → orders → web', async () => {
    for (const t of traces) await expectPaymentRootCause(server, t);
  });
});
