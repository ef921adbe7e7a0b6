import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { api, failed, getSequentially, maybeWriteFixture, rootOf, Services, waitForTraces, type TraceJson } from '../fixtures/real-apps/spawn.js';

// The lesson of an error that was handled, on real Express services run with the newcomer's setup: web calls
// flaky, whose first attempt records UpstreamTimeoutError and answers 500; web retries, gets 200 and answers
// 200 (test/fixtures/real-apps/express-retry.cjs). The trace holds errors, but the request did not fail.

const REQUESTS = 3;
/** Spans per request besides tcp.connect, as measured: 8 in web (1 SERVER, 7 INTERNAL), 2 CLIENT, 8 per attempt in flaky. */
const SPANS = 26;

let server: TestServer;
let services: Services;
let traces: TraceJson[];

beforeAll(async () => {
  server = await startServer();
  services = new Services(server);
  const flaky = await services.start('express-retry', 'flaky', { ROLE: 'flaky' });
  const web = await services.start('express-retry', 'web', { ROLE: 'web', FLAKY_URL: flaky });
  expect(await getSequentially(`${web}/quote`, REQUESTS)).toEqual(Array(REQUESTS).fill(200));
  traces = await waitForTraces(server, { service: 'web', name: 'GET /quote' }, REQUESTS, SPANS);
  maybeWriteFixture('express-retry', traces[0]);
}, 60_000);

afterAll(async () => {
  await services?.stopAll();
  await server?.close();
});

describe('a retry that succeeds: web → flaky (500, then 200)', () => {
  it('stores two attempts, the first failed, under a root span that did not fail', () => {
    for (const t of traces) {
      const root = rootOf(t);
      expect([root.service, root.kind, root.attributes['http.response.status_code'], failed(root)]).toEqual(['web', 'server', 200, false]);
      const attempts = t.spans.filter((s) => s.service === 'web' && s.kind === 'client');
      expect(attempts.map((s) => [s.attributes['http.response.status_code'], failed(s)])).toEqual([
        [500, true],
        [200, false],
      ]);
    }
  });

  it('reports the error as handled by web, not as the request failing at web', async () => {
    for (const t of traces) {
      const { rootCause } = await api(server, `/api/traces/${t.traceId}/analysis`);
      expect(rootCause, 'rootCause').not.toBeNull();
      expect(rootCause.service).toBe('flaky');
      expect(rootCause.spanId).not.toBe(rootOf(t).spanId);
      expect(rootCause.exception).toMatchObject({ type: 'UpstreamTimeoutError', message: 'rates provider timed out' });
      // The span that caught the error: {spanId, service, name}, in web, not the failed attempt itself.
      const attempts = t.spans.filter((s) => s.service === 'web' && s.kind === 'client').map((s) => s.spanId);
      expect(rootCause.handledBy, 'rootCause.handledBy').toMatchObject({ service: 'web' });
      expect(attempts).not.toContain(rootCause.handledBy.spanId);
    }
  });
});
