import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { expectPaymentRootCause, startChain } from '../fixtures/real-apps/chain.js';
import { getSequentially, maybeWriteFixture, Services, waitForTraces, type TraceJson } from '../fixtures/real-apps/spawn.js';

// The lesson of a failed request, on real Express 5 services run with the newcomer's setup unchanged:
// web → orders → payment, payment's handler records CardDeclinedError on the active span and answers 500,
// orders and web answer 502 (test/fixtures/real-apps/express-chain.cjs, README.md there for the span shapes).

const REQUESTS = 3;
/** Spans per checkout besides tcp.connect, as measured: 1 SERVER + 7 INTERNAL in each service, 2 CLIENT. */
const SPANS = 26;

let server: TestServer;
let services: Services;
let traces: TraceJson[];

beforeAll(async () => {
  server = await startServer();
  services = new Services(server);
  const web = await startChain(services, 'express-chain');
  expect(await getSequentially(`${web}/checkout`, REQUESTS)).toEqual(Array(REQUESTS).fill(502));
  traces = await waitForTraces(server, { service: 'web', name: 'GET /checkout' }, REQUESTS, SPANS);
  maybeWriteFixture('express-chain', traces[0]);
}, 60_000);

afterAll(async () => {
  await services?.stopAll();
  await server?.close();
});

describe('Express chain web → orders → payment', () => {
  it('stores the shape the README describes: the exception on the INTERNAL request handler span', () => {
    for (const t of traces) {
      const withException = t.spans.filter((s) => s.events.some((e) => e.name === 'exception'));
      expect(withException.map((s) => [s.service, s.kind, s.name, s.status.code])).toEqual([
        ['payment', 'internal', 'request handler - /charge', 'error'],
      ]);
      const servers = t.spans.filter((s) => s.kind === 'server');
      expect(servers.map((s) => [s.service, s.name, s.attributes['http.response.status_code'], s.status.code]).sort()).toEqual([
        ['orders', 'POST /orders', 502, 'error'],
        ['payment', 'POST /charge', 500, 'error'],
        ['web', 'GET /checkout', 502, 'error'],
      ]);
    }
  });

  it('names payment as the root cause, with its exception, and the chain payment → orders → web', async () => {
    for (const t of traces) await expectPaymentRootCause(server, t);
  });
});
