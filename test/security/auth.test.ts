import { Metadata, status } from '@grpc/grpc-js';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { recordRichTrace } from '../helpers/sdk.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** --auth-token: every page, API route and receiver requires it; the UI through a login form and its cookie. */
const TOKEN = 'correct-horse-battery-staple';
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ authToken: TOKEN });
});
afterAll(async () => server.close());

const bearer = { authorization: `Bearer ${TOKEN}` };
const json = { 'content-type': 'application/json' };
const otlpBody = (n: number) => exportRequest({ web: [{ traceId: tid(n), spanId: sid(n), name: 'GET /', kind: 2, start: T0, durationNs: 1_000_000n }] });
const stored = (n: number) => server.reader.getTrace(tid(n)).length;
const zipkinBody = (n: number) => JSON.stringify([{ traceId: tid(n), id: sid(n), name: 'get', timestamp: 1_700_000_000_000_000, duration: 1000, localEndpoint: { serviceName: 'zk' } }]);

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise<ExportResult>((resolve) => exporter.export(spans, resolve)).finally(() => exporter.shutdown());
}

describe('the UI with --auth-token', () => {
  it('sends a page view without a session to the login form, with the way back', async () => {
    for (const url of ['/', '/services', '/map', '/trace/' + tid(1), '/search?service=a&b=c', '/clear', '/sampling']) {
      const res = await server.ui.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location, url).toBe(`/login?next=${encodeURIComponent(url)}`);
      expect(res.body).not.toContain('tracelite');
    }
  });

  it('serves the login page and the static files it needs without a session', async () => {
    const login = await server.ui.inject({ method: 'GET', url: '/login?next=%2Fservices' });
    expect(login.statusCode).toBe(200);
    expect(login.body).toContain('<form method="post" action="/login">');
    expect(login.body).toContain('name="next" value="/services"');
    for (const url of ['/static/app.css', '/static/vendor/htmx.min.js']) expect((await server.ui.inject({ method: 'GET', url })).statusCode, url).toBe(200);
  });

  it('refuses a wrong token with the form again and no cookie', async () => {
    const res = await server.ui.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'token=wrong-token&next=%2Fservices' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body).toContain('That is not the token');
  });

  it('sets an HttpOnly, SameSite=Strict cookie for the right token and goes back; the cookie then opens every page', async () => {
    const res = await server.ui.inject({
      method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token: TOKEN, next: '/services' }).toString(),
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/services');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0];
    for (const url of ['/', '/services', '/map', '/api/services']) {
      expect((await server.ui.inject({ method: 'GET', url, headers: { cookie: session } })).statusCode, url).toBe(200);
    }
    // A forged cookie value is no session.
    expect((await server.ui.inject({ method: 'GET', url: '/', headers: { cookie: 'tracelite_session=' + 'x'.repeat(43) } })).statusCode).toBe(303);
  });

  it('goes back only to a path on this server, never to another site', async () => {
    for (const next of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
      const res = await server.ui.inject({
        method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ token: TOKEN, next }).toString(),
      });
      expect(res.headers.location, next).toBe('/');
    }
  });

  it('POST /logout ends the session (same-origin only)', async () => {
    expect((await server.ui.inject({ method: 'POST', url: '/logout', headers: { ...bearer, origin: 'https://evil.example' } })).statusCode).toBe(403);
    const res = await server.ui.inject({ method: 'POST', url: '/logout', headers: { ...bearer, origin: 'null', 'sec-fetch-site': 'same-origin' } });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login');
    expect(String(res.headers['set-cookie'])).toMatch(/^tracelite_session=; .*Max-Age=0/);
  });

  it('accepts the Bearer token on pages too', async () => {
    expect((await server.ui.inject({ method: 'GET', url: '/', headers: bearer })).statusCode).toBe(200);
    expect((await server.ui.inject({ method: 'GET', url: '/', headers: { authorization: 'Bearer nope-nope-nope' } })).statusCode).toBe(303);
  });
});

describe('the APIs with --auth-token', () => {
  const apis = ['/api/services', '/api/traces', '/api/health', '/jaeger/api/services', '/api/v3/services', '/tempo/api/search', '/tempo/api/echo'];

  it.each(apis)('%s: 401 with WWW-Authenticate and a JSON message without the token', async (url) => {
    const res = await server.ui.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="tracelite"');
    expect(res.json().error).toMatch(/Authorization: Bearer/);
  });

  it.each(apis)('%s: works with Authorization: Bearer', async (url) => {
    const res = await server.ui.inject({ method: 'GET', url, headers: bearer });
    expect(res.statusCode).not.toBe(401);
    expect(res.statusCode).toBeLessThan(500);
  });

  it('refuses a write without the token and changes nothing', async () => {
    expect((await server.ui.inject({ method: 'DELETE', url: '/api/traces' })).statusCode).toBe(401);
    expect((await server.ui.inject({ method: 'POST', url: '/api/import', payload: otlpBody(90), headers: json })).statusCode).toBe(401);
    expect(stored(90)).toBe(0);
  });
});

describe('the receivers with --auth-token', () => {
  it('OTLP/HTTP on its own port and on the UI port: 401 without, 200 and stored with the token', async () => {
    for (const [base, n] of [[server.otlpUrl, 1], [server.uiUrl, 2]] as const) {
      const without = await fetch(`${base}/v1/traces`, { method: 'POST', body: otlpBody(n), headers: json });
      expect(without.status, base).toBe(401);
      expect(stored(n)).toBe(0);
      const wrong = await fetch(`${base}/v1/traces`, { method: 'POST', body: otlpBody(n), headers: { ...json, authorization: `Bearer ${TOKEN}x` } });
      expect(wrong.status, base).toBe(401);
      const ok = await fetch(`${base}/v1/traces`, { method: 'POST', body: otlpBody(n), headers: { ...json, ...bearer } });
      expect(ok.status, base).toBe(200);
      expect(stored(n)).toBe(1);
    }
  });

  it('answers a browser CORS preflight without credentials (it learns only the CORS headers)', async () => {
    const res = await fetch(`${server.otlpUrl}/v1/traces`, { method: 'OPTIONS', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' } });
    expect(res.status).toBeLessThan(300);
  });

  it('the real OTLP/HTTP exporter: fails without headers, delivers with them', async () => {
    const spans = await recordRichTrace('auth-http');
    const traceId = spans[0].spanContext().traceId;
    expect((await exportWith(new HttpExporter({ url: `${server.otlpUrl}/v1/traces` }), spans)).code).toBe(1);
    expect(server.reader.getTrace(traceId)).toHaveLength(0);
    expect((await exportWith(new HttpExporter({ url: `${server.otlpUrl}/v1/traces`, headers: bearer }), spans)).code).toBe(0);
    expect(server.reader.getTrace(traceId)).toHaveLength(spans.length);
  });

  it('Zipkin: 401 without, the real Zipkin exporter delivers with the token', async () => {
    const res = await fetch(`${server.zipkinUrl}/api/v2/spans`, { method: 'POST', body: zipkinBody(3), headers: json });
    expect(res.status).toBe(401);
    expect(stored(3)).toBe(0);
    const spans = await recordRichTrace('auth-zipkin');
    const traceId = spans[0].spanContext().traceId;
    expect((await exportWith(new ZipkinExporter({ url: `${server.zipkinUrl}/api/v2/spans` }), spans)).code).toBe(1);
    expect(server.reader.getTrace(traceId)).toHaveLength(0);
    expect((await exportWith(new ZipkinExporter({ url: `${server.zipkinUrl}/api/v2/spans`, headers: bearer }), spans)).code).toBe(0);
    expect(server.reader.getTrace(traceId)).toHaveLength(spans.length);
  });

  it('OTLP/gRPC: UNAUTHENTICATED without the authorization metadata, stored with it (the real gRPC exporter)', async () => {
    const spans = await recordRichTrace('auth-grpc');
    const traceId = spans[0].spanContext().traceId;
    const refused = await exportWith(new GrpcExporter({ url: server.otlpGrpcUrl }), spans);
    expect(refused.code).toBe(1);
    expect((refused.error as { code?: number } | undefined)?.code).toBe(status.UNAUTHENTICATED);
    expect(server.reader.getTrace(traceId)).toHaveLength(0);
    const wrong = new Metadata();
    wrong.set('authorization', 'Bearer not-the-token');
    expect((await exportWith(new GrpcExporter({ url: server.otlpGrpcUrl, metadata: wrong }), spans)).code).toBe(1);
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${TOKEN}`);
    expect((await exportWith(new GrpcExporter({ url: server.otlpGrpcUrl, metadata }), spans)).code).toBe(0);
    expect(server.reader.getTrace(traceId)).toHaveLength(spans.length);
  });
});

describe('without --auth-token', () => {
  it('nothing asks for a token (the default on loopback)', async () => {
    const open = await startServer({ listen: false });
    try {
      expect((await open.ui.inject({ method: 'GET', url: '/' })).statusCode).toBe(200);
      expect((await open.ui.inject({ method: 'GET', url: '/api/services' })).statusCode).toBe(200);
      expect((await open.otlp.inject({ method: 'POST', url: '/v1/traces', payload: otlpBody(5), headers: json })).statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });
});
