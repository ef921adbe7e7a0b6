import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';

/**
 * GET /api/traces/{id}/otlp gives the trace back as it came in: every AnyValue type (a double with no fraction
 * stays a double, bytes stay bytes, NaN and ±Infinity, int64 beyond 2^53), events, links, flags, trace state,
 * dropped counts, scope and resource attributes. Posting the export again after clearing gives the same export.
 */
const TRACE = '5b8efff798038103d269b633813fc60c';
const kv = (key: string, value: object) => ({ key, value });
const body = {
  resourceSpans: [
    {
      resource: {
        attributes: [kv('service.name', { stringValue: 'web' }), kv('host.cores', { intValue: '9007199254740993' })],
        droppedAttributesCount: 1,
      },
      scopeSpans: [
        {
          scope: { name: '@opentelemetry/instrumentation-http', version: '0.223.0', attributes: [kv('s', { boolValue: false })], droppedAttributesCount: 0 },
          spans: [
            {
              traceId: TRACE,
              spanId: 'eee19b7ec3c1b174',
              parentSpanId: '',
              traceState: 'congo=t61rcWkgMzE',
              flags: 769,
              name: 'GET /checkout',
              kind: 2,
              startTimeUnixNano: '1700000000000000001',
              endTimeUnixNano: '1700000000250000003',
              attributes: [
                kv('one', { doubleValue: 1 }),
                kv('half', { doubleValue: 0.5 }),
                kv('nan', { doubleValue: 'NaN' }),
                kv('inf', { doubleValue: 'Infinity' }),
                kv('ninf', { doubleValue: '-Infinity' }),
                kv('big', { intValue: '-9223372036854775808' }),
                kv('raw', { bytesValue: 'AAEC/w==' }),
                kv('empty', {}),
                kv('list', { arrayValue: { values: [{ intValue: '1' }, { doubleValue: 2 }, { stringValue: 'x' }, {}] } }),
                kv('map', { kvlistValue: { values: [kv('k', { bytesValue: 'AQ==' }), kv('n', { arrayValue: { values: [] } })] } }),
              ],
              droppedAttributesCount: 2,
              events: [{ timeUnixNano: '1700000000100000000', name: 'exception', attributes: [kv('exception.type', { stringValue: 'Error' })], droppedAttributesCount: 1 }],
              droppedEventsCount: 3,
              links: [
                { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceState: 'a=b', attributes: [kv('w', { doubleValue: 3 })], droppedAttributesCount: 0, flags: 1 },
              ],
              droppedLinksCount: 4,
              status: { code: 2, message: 'boom' },
            },
          ],
        },
      ],
    },
  ],
};

let server: TestServer;
const post = (payload: unknown) =>
  server.ui.inject({ method: 'POST', url: '/v1/traces', payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
const exported = () => server.ui.inject({ method: 'GET', url: `/api/traces/${TRACE}/otlp` });

beforeAll(async () => {
  server = await startServer({ listen: false });
});
afterAll(async () => server.close());

describe('GET /api/traces/{id}/otlp', () => {
  it('gives back what was sent, field for field, every value with its type', async () => {
    expect((await post(body)).statusCode).toBe(200);
    const res = await exported();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual(body);
  });

  it('export → clear → import gives the same trace again', async () => {
    const first = (await exported()).json();
    const del = await server.ui.inject({ method: 'DELETE', url: '/api/traces' });
    expect(del.statusCode).toBe(200);
    expect((await exported()).statusCode).toBe(404);
    expect((await post(first)).statusCode).toBe(200);
    expect((await exported()).json()).toEqual(first);
  });

  it('is a 404 for an unknown trace and a 400 for a malformed ID', async () => {
    expect((await server.ui.inject({ method: 'GET', url: `/api/traces/${'1'.repeat(32)}/otlp` })).statusCode).toBe(404);
    expect((await server.ui.inject({ method: 'GET', url: '/api/traces/xyz/otlp' })).statusCode).toBe(400);
  });
});
