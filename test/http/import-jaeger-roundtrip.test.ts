import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * Jaeger JSON out → clear → Jaeger JSON in gives the same Jaeger JSON: tracelite's /jaeger/api/traces/{id} (the
 * Jaeger API, another engineer's branch) imported again through POST /api/import.
 */
const TRACE = '5b8efff798038103d269b633813fc60c';
const kv = (key: string, value: object) => ({ key, value });
const span = (spanId: string, parentSpanId: string, name: string, extra: object = {}) => ({
  traceId: TRACE,
  spanId,
  parentSpanId,
  name,
  startTimeUnixNano: '1700000000000001000',
  endTimeUnixNano: '1700000000250001000',
  attributes: [kv('one', { doubleValue: 1 }), kv('big', { intValue: '9007199254740993' }), kv('raw', { bytesValue: 'AAEC/w==' })],
  ...extra,
});
const body = {
  resourceSpans: [
    {
      resource: { attributes: [kv('service.name', { stringValue: 'web' }), kv('host.name', { stringValue: 'box' })] },
      scopeSpans: [
        {
          scope: { name: '@opentelemetry/instrumentation-http', version: '0.223.0' },
          spans: [
            span('eee19b7ec3c1b174', '', 'GET /checkout', { kind: 2, flags: 1, traceState: 'a=b', status: { code: 1 } }),
            span('aaa19b7ec3c1b174', 'eee19b7ec3c1b174', 'POST /pay', {
              kind: 3,
              status: { code: 2, message: 'boom' },
              events: [{ timeUnixNano: '1700000000100000000', name: 'exception', attributes: [kv('exception.type', { stringValue: 'Error' })] }],
              links: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' }],
            }),
          ],
        },
      ],
    },
    {
      resource: { attributes: [kv('service.name', { stringValue: 'pay' })] },
      scopeSpans: [{ scope: { name: '' }, spans: [span('bbb19b7ec3c1b174', 'aaa19b7ec3c1b174', 'charge', { kind: 1 })] }],
    },
  ],
};

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ listen: false });
});
afterAll(async () => server.close());

describe('Jaeger JSON export → clear → import', () => {
  it('gives the same Jaeger JSON back', async () => {
    const post = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expect(post.statusCode).toBe(200);
    const jaeger = await server.ui.inject({ method: 'GET', url: `/jaeger/api/traces/${TRACE}` });
    expect(jaeger.statusCode).toBe(200);
    const first = jaeger.json();
    const otlpBefore = (await server.ui.inject({ method: 'GET', url: `/api/traces/${TRACE}/otlp` })).json();
    expect((await server.ui.inject({ method: 'DELETE', url: '/api/traces' })).statusCode).toBe(200);
    const imported = await server.ui.inject({ method: 'POST', url: '/api/import', payload: jaeger.body, headers: { 'content-type': 'application/json' } });
    expect(imported.json()).toMatchObject({ format: 'jaeger-json', spans: 3, traces: 1, rejectedSpans: 0 });
    expect((await server.ui.inject({ method: 'GET', url: `/jaeger/api/traces/${TRACE}` })).json()).toEqual(first);
    // What Jaeger's model carries survives in OTLP too (ns truncated to µs already, here zero).
    const otlpAfter = (await server.ui.inject({ method: 'GET', url: `/api/traces/${TRACE}/otlp` })).json();
    expect(otlpAfter.resourceSpans.length).toBe(otlpBefore.resourceSpans.length);
  });
});
