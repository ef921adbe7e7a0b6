import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/web/plugin.js';
import { exportRequest, sid, T0, tid } from '../helpers/otlp-json.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** DNS rebinding (the UI port's Host check), security headers on every answer, static files kept in their folder. */
let server: TestServer;
const json = { 'content-type': 'application/json' };
const otlpBody = (n: number) => exportRequest({ web: [{ traceId: tid(n), spanId: sid(n), name: 'GET /', kind: 2, start: T0, durationNs: 1_000_000n }] });

beforeAll(async () => {
  server = await startServer({ listen: false, allowedHosts: ['tracelite.internal'] });
  expect((await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: otlpBody(1), headers: json })).statusCode).toBe(200);
});
afterAll(async () => server.close());

const get = (url: string, headers: Record<string, string> = {}) => server.ui.inject({ method: 'GET', url, headers });

describe('DNS rebinding: the UI port answers only to names it knows', () => {
  it.each(['/', '/services', `/trace/${tid(1)}`, '/api/traces', `/api/traces/${tid(1)}`, '/jaeger/api/services', '/tempo/api/search', '/static/app.css'])(
    'Host: evil.example → 403 naming --allowed-hosts, and no data (%s)',
    async (url) => {
      const res = await get(url, { host: 'evil.example' });
      expect(res.statusCode).toBe(403);
      expect(res.body).toContain('--allowed-hosts');
      expect(res.body).not.toContain(tid(1));
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
    },
  );

  it('refuses a rebinding name with a port, in capitals, with a trailing dot, or malformed', async () => {
    for (const host of ['evil.example:16686', 'EVIL.example', 'localhost.evil.example', 'evil.example.', '127.0.0.1.nip.io', 'localhost:80:80', 'localhost@evil.example']) {
      expect((await get('/api/traces', { host })).statusCode, host).toBe(403);
    }
  });

  it('refuses a state change through a rebound name before it runs', async () => {
    expect((await server.ui.inject({ method: 'DELETE', url: '/api/traces', headers: { host: 'evil.example' } })).statusCode).toBe(403);
    expect(server.reader.getTrace(tid(1))).toHaveLength(1);
  });

  it('answers the loopback names, --host, --allowed-hosts and IP addresses', async () => {
    for (const host of ['localhost', 'localhost:16686', 'LOCALHOST.', '127.0.0.1:16686', '[::1]:16686', 'tracelite.internal', 'Tracelite.Internal:8080', '192.168.1.5:16686', '[fe80::1]']) {
      expect((await get('/api/traces', { host })).statusCode, host).toBe(200);
    }
    const named = await startServer({ listen: false, host: 'localhost' });
    try {
      expect((await named.ui.inject({ method: 'GET', url: '/', headers: { host: 'evil.example' } })).statusCode).toBe(403);
    } finally {
      await named.close();
    }
  });

  it('lets any Host send spans: the receivers are write-only (exporters in containers use service names)', async () => {
    const ui = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: otlpBody(2), headers: { ...json, host: 'tracelite:16686' } });
    expect(ui.statusCode).toBe(200);
    const otlp = await server.otlp.inject({ method: 'POST', url: '/v1/traces', payload: otlpBody(3), headers: { ...json, host: 'otel-collector' } });
    expect(otlp.statusCode).toBe(200);
    const zipkin = await server.zipkin.inject({
      method: 'POST', url: '/api/v2/spans', headers: { ...json, host: 'zipkin' },
      payload: JSON.stringify([{ traceId: tid(4), id: sid(4), name: 'get', timestamp: 1_700_000_000_000_000, duration: 1, localEndpoint: { serviceName: 'zk' } }]),
    });
    expect(zipkin.statusCode).toBe(202);
    expect([2, 3, 4].map((n) => server.reader.getTrace(tid(n)).length)).toEqual([1, 1, 1]);
  });
});

describe('security headers on every answer', () => {
  const urls = [
    '/', '/services', '/map', '/compare', '/import', '/sampling', '/clear', `/trace/${tid(1)}`, '/no/such/page', `/trace/${'f'.repeat(32)}`,
    '/search?limit=nope', '/static/app.css', '/static/app.js', '/static/vendor/htmx.min.js', '/static/nothing.css',
    '/api/traces', '/api/services', `/api/traces/${'f'.repeat(32)}`, '/api/traces?limit=-1', '/api/nothing', '/jaeger/api/services',
    '/tempo/api/search', `/tempo/api/traces/${'f'.repeat(32)}`, '/api/health',
  ];

  it.each(urls)('%s', async (url) => {
    const res = await get(url);
    expect(res.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('on the receiver ports and on refusals too', async () => {
    const answers = [
      await server.otlp.inject({ method: 'POST', url: '/v1/traces', payload: 'nonsense', headers: json }),
      await server.otlp.inject({ method: 'GET', url: '/' }),
      await server.zipkin.inject({ method: 'POST', url: '/api/v2/spans', payload: '[', headers: json }),
      await get('/', { host: 'evil.example' }),
      await server.ui.inject({ method: 'DELETE', url: '/api/traces', headers: { origin: 'https://evil.example' } }),
    ];
    for (const res of answers) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
  });

  it('the policy allows no inline or foreign script and no framing', () => {
    const directives = Object.fromEntries(CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'none'"]);
  });
});

describe('static files stay in their folder', () => {
  const attempts = [
    '/static/../package.json', '/static/%2e%2e/package.json', '/static/%2E%2E%2Fpackage.json', '/static/..%2fpackage.json',
    '/static/..%5cpackage.json', '/static/%252e%252e/package.json', '/static/....//package.json', '/static/.%2e/.%2e/package.json',
    '/static/vendor/../../package.json', '/static/vendor/%2e%2e/htmx.js', '/static/vendor/..%2f..%2fpackage.json', '/static//etc/passwd',
    '/static/%2fetc%2fpasswd', '/static/..%00/package.json', '/static/../src/config.ts', '/static/../../../../../../etc/passwd',
  ];

  it.each(attempts)('%s → 4xx, never the file', async (url) => {
    const res = await get(url);
    expect([400, 403, 404]).toContain(res.statusCode);
    expect(res.body).not.toContain('"name": "tracelite"');
    expect(res.body).not.toContain('root:x:0:0');
    expect(res.body).not.toContain('loadConfig');
  });

  it('the same request over a real socket (no client-side normalising of ..)', async () => {
    const live = await startServer();
    try {
      const { request } = await import('node:http');
      const url = new URL(live.uiUrl);
      for (const path of ['/static/../package.json', '/static/%2e%2e/package.json', '/static/vendor/../../package.json']) {
        const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
          const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          });
          req.on('error', reject);
          req.end();
        });
        expect(body.status, path).toBeGreaterThanOrEqual(400);
        expect(body.text, path).not.toContain('"name": "tracelite"');
      }
      // HTTP/1.0 may omit Host (Node refuses that only for 1.1): no Host is no name this server knows.
      const { connect } = await import('node:net');
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname, () => socket.end('GET /api/traces HTTP/1.0\r\n\r\n'));
        let text = '';
        socket.on('data', (c) => (text += c));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.[01] 403/);
    } finally {
      await live.close();
    }
  });
});
