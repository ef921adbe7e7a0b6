import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, tid, type JsonSpanSpec } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** /sampling/simulate through inject: the default comparison, custom policies, errors kept in the form, escaping. */

const XSS = '<img src=x onerror=alert(1)>';
const NOW_MS = 1_750_000_000_000;
const MS = 1_000_000n;
const NOW_NS = BigInt(NOW_MS) * MS;

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ listen: false, now: () => NOW_MS });
  // 200 traces of web GET / in the last 20 minutes, every 10th failed, every 100th 2 s long; one XSS-named root.
  const spans: JsonSpanSpec[] = [];
  for (let i = 0; i < 200; i++) {
    spans.push({ traceId: tid(1000 + i), spanId: sid(i + 1), name: 'GET /', kind: 2, start: NOW_NS - BigInt(1_200_000 - i * 5000) * MS, durationNs: (i % 100 === 42 ? 2000n : 20n + BigInt(i % 9)) * MS, error: i % 10 === 3 });
  }
  const res = await server.ui.inject({
    method: 'POST',
    url: '/v1/traces',
    payload: exportRequest({ web: spans, [XSS]: [{ traceId: tid(1), spanId: sid(999), name: XSS, kind: 2, start: NOW_NS - 60_000n * MS, durationNs: 2n * MS }] }),
    headers: { 'content-type': 'application/json' },
  });
  expect(res.statusCode).toBe(200);
});
afterAll(async () => server.close());

const get = (url: string, headers: Record<string, string> = {}) => server.ui.inject({ method: 'GET', url, headers });

describe('/sampling/simulate', () => {
  it('without parameters: the starter policy beside head sampling at 1 % over the last hour', async () => {
    const res = await get('/sampling/simulate');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers.vary).toMatch(/HX-Request/);
    expect(res.body).toContain('<link rel="stylesheet" href="/static/simulate.css">');
    expect(res.body).toContain('201 traces (201 spans) starting in this window, of which 20 errored traces and 2 p99-slow traces');
    expect(res.body).toContain('<h2>Head sampling</h2>');
    expect(res.body).toContain('<h2>Tail policy “starter”</h2>');
    // The tail column keeps all 20 errored traces; the head column's links point at stored traces.
    const tail = res.body.slice(res.body.indexOf('sim-tail'));
    expect(tail).toMatch(/20 kept<\/span> <span class="badge">0 missed/);
    expect(res.body).toMatch(/Missed, e\.g\.<\/span> <a class="mono" href="\/trace\/[0-9a-f]{32}">/);
    expect(res.body).toContain('<option value="1h" selected>Last hour</option>');
    expect(res.body).toContain('name="head" value="0.01"');
    expect(res.body).toContain('href="/sampling"');
    expect(res.body).toContain('GET /api/sampling/simulate?policy=starter&amp;head=0.01&amp;start=');
    expect(res.body).toContain('p99-slow');
  });

  it('escapes what the policy and the data name', async () => {
    const policy = JSON.stringify({ name: XSS, rules: [{ name: XSS, type: 'attribute', key: 'k', value: XSS }] });
    const res = await get(`/sampling/simulate?window=all&head=1&preset=custom&policy=${encodeURIComponent(policy)}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain(XSS);
    expect(res.body).toContain('<h2>Tail policy “&lt;img src=x onerror=alert(1)&gt;”</h2>');
    expect(res.body).toContain('<th scope="row">&lt;img src=x onerror=alert(1)&gt;</th>');
  });

  it('a custom policy: its rules counted, the textarea keeps it; no head rate, no head column', async () => {
    const policy = JSON.stringify({ name: 'errors-only', rules: [{ name: 'errs', type: 'error' }] });
    const res = await get(`/sampling/simulate?preset=custom&head=&policy=${encodeURIComponent(policy)}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h2>Tail policy “errors-only”</h2>');
    expect(res.body).not.toContain('<h2>Head sampling</h2>');
    expect(res.body).toMatch(/<th scope="row">errs<\/th>\s*<td class="sim-wide">error<\/td>[\s\S]*?<td class="num">20<\/td>/);
    expect(res.body).toContain('20 of 201 traces kept');
    expect(res.body).toContain('{&quot;name&quot;:&quot;errors-only&quot;');
  });

  it('a bad policy is a 400 that names rule and field above the form, which keeps what was typed', async () => {
    const policy = '{"rules":[{"name":"slow","type":"latency","tresholdMs":5}]}';
    const res = await get(`/sampling/simulate?preset=custom&policy=${encodeURIComponent(policy)}`);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('policy: rules[0] (slow): unknown field &quot;tresholdMs&quot;');
    expect(res.body).toContain('&quot;tresholdMs&quot;:5');
    expect((await get('/sampling/simulate?head=5')).statusCode).toBe(400);
    expect((await get('/sampling/simulate?start=yesterday')).body).toContain('role="alert"');
  });

  it('htmx gets the body fragment alone', async () => {
    const res = await get('/sampling/simulate', { 'hx-request': 'true' });
    expect(res.body).not.toContain('<html');
    expect(res.body).toContain('<form class="panel sim-form"');
  });

  it('an empty window says so', async () => {
    const res = await get('/sampling/simulate?window=5m&start=1000&end=2000');
    expect(res.body).toContain('No traces start in this window.');
  });
});
