import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** /import: the upload form (multipart, no JavaScript) and its result page, through the same importer as the API. */
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ listen: false });
});
afterAll(async () => server.close());

const BOUNDARY = '----WebKitFormBoundaryu7X9bXkz1f2Q';
function form(content: string, name = 'file'): { payload: Buffer; headers: Record<string, string> } {
  const payload = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="t.json"\r\nContent-Type: application/json\r\n\r\n${content}\r\n--${BOUNDARY}--\r\n`,
  );
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` } };
}
const post = (f: { payload: Buffer; headers: Record<string, string> }, headers: Record<string, string> = {}) =>
  server.ui.inject({ method: 'POST', url: '/import', payload: f.payload, headers: { ...f.headers, ...headers } });
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('/import', () => {
  it('GET shows a multipart form that works without JavaScript, and the nav links it', async () => {
    const res = await server.ui.inject({ method: 'GET', url: '/import' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<form method="post" action="/import" enctype="multipart/form-data">');
    expect(res.body).toContain('<input type="file" id="imp-file" name="file" required>');
    expect(res.body).toMatch(/<a href="\/import" aria-current="page">Import<\/a>/);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('POST stores the file and shows format, counts and a link to each trace', async () => {
    const body = exportRequest({
      web: [
        { traceId: tid(1), spanId: sid(1), name: 'GET /', start: T0, durationNs: 1_000_000n },
        { traceId: tid(2), spanId: sid(2), name: 'GET /x', start: T0, durationNs: 1_000_000n },
      ],
    });
    const res = await post(form(body), { 'sec-fetch-site': 'same-origin' });
    expect(res.statusCode).toBe(200);
    expect(text(res.body)).toContain('Imported 2 traces, 2 spans');
    expect(text(res.body)).toContain('Format OTLP JSON');
    expect(text(res.body)).toContain('Rejected 0 spans');
    expect(res.body).toContain(`<a class="mono" href="/trace/${tid(1)}">${tid(1)}</a>`);
    expect(res.body).toContain(`<a class="mono" href="/trace/${tid(2)}">${tid(2)}</a>`);
    expect((await server.ui.inject({ method: 'GET', url: `/api/traces/${tid(2)}` })).statusCode).toBe(200);
  });

  it('a refused file shows the form again with the reason (escaped) and the status, nothing stored', async () => {
    const hostile = JSON.stringify({
      data: [{ traceID: tid(9), spans: [{ traceID: tid(9), spanID: sid(9), operationName: 'x', startTime: 1, duration: 1, processID: '<img src=x onerror=alert(1)>' }], processes: {} }],
    });
    const res = await post(form(hostile));
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('<form method="post" action="/import"');
    expect(res.body).toContain('Nothing was imported');
    expect(res.body).toContain('data[0].spans[0].processID: &quot;&lt;img src=x onerror=alert(1)&gt;&quot; is not a key of data[0].processes');
    expect(res.body).not.toContain('<img src=x');
    expect((await server.ui.inject({ method: 'GET', url: `/api/traces/${tid(9)}` })).statusCode).toBe(404);
  });

  it('a form without a file field, and a cross-site post, are refused', async () => {
    const res = await post(form('{}', 'other'));
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('without a &quot;file&quot; field');
    const body = exportRequest({ web: [{ traceId: tid(5), spanId: sid(5), name: 'GET /', start: T0, durationNs: 1n }] });
    const cross = await post(form(body), { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' });
    expect(cross.statusCode).toBe(403);
    expect((await server.ui.inject({ method: 'GET', url: `/api/traces/${tid(5)}` })).statusCode).toBe(404);
  });
});

describe('/import from the page itself', () => {
  it('takes Chromium\'s same-origin post under Referrer-Policy no-referrer (Origin: null), and no other Origin: null', async () => {
    const body = exportRequest({ web: [{ traceId: tid(6), spanId: sid(6), name: 'GET /', start: T0, durationNs: 1n }] });
    expect((await post(form(body), { 'sec-fetch-site': 'cross-site', origin: 'null' })).statusCode).toBe(403);
    expect((await post(form(body), { origin: 'null' })).statusCode).toBe(403);
    expect((await post(form(body), { 'sec-fetch-site': 'same-origin', origin: 'null' })).statusCode).toBe(200);
  });
});
