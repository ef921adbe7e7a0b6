import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { eventually, getJson, startServer, type TestServer } from '../helpers/server.js';

/** The Sampling page shows --forward's counters (the same as GET /api/forwarding), with or without sampling. */
describe('/sampling: forwarding', () => {
  let forwarding: TestServer;
  let plain: TestServer;

  beforeAll(async () => {
    // Nothing listens on port 9 of the loopback: every export is a connection error, retried and counted.
    forwarding = await startServer({ listen: false, forward: { url: 'http://127.0.0.1:9/v1/traces', headers: [] } });
    plain = await startServer({ listen: false });
    const body = exportRequest({ web: [{ traceId: tid(1), spanId: sid(1), name: 'GET /', kind: 2, start: T0, durationNs: 1_000_000n }] });
    const res = await forwarding.ui.inject({ method: 'POST', url: '/v1/traces', payload: body, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(200);
  });
  afterAll(async () => {
    await Promise.all([forwarding?.close(), plain?.close()]);
  });

  it('shows where spans go, what waits, and the upstream error', async () => {
    const api = await eventually(async () => {
      const f = (await getJson(forwarding, '/api/forwarding')).body;
      return f.lastError ? f : undefined;
    });
    expect(api).toMatchObject({ enabled: true, endpoint: 'http://127.0.0.1:9/v1/traces', queue: { spans: 1 } });
    const page = await forwarding.ui.inject({ method: 'GET', url: '/sampling' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Forwarding to <code>http://127.0.0.1:9/v1/traces</code>');
    expect(page.body).toMatch(/Waiting to be sent<\/dt><dd>1 of 100,000 spans/);
    expect(page.body).toContain('Last upstream error: ');
    expect(page.body).toContain('/api/forwarding');
  });

  it('says how to turn it on when tracelite does not forward', async () => {
    const page = await plain.ui.inject({ method: 'GET', url: '/sampling' });
    expect(page.body).toContain('Forwarding is off.');
    expect(page.body).not.toContain('Forwarding to <code>');
  });
});
