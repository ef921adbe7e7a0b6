import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { otlpJsonOf, TempoTrace, TraceByIDResponse } from '../fixtures/tempo-proto.js';

/**
 * Tempo's trace by ID, v1 (`/api/traces/{id}`) and v2 (`/api/v2/traces/{id}`), as JSON and as the protobuf
 * Grafana asks for (`Accept: application/protobuf`). The protobuf is decoded by protobufjs from the public
 * message definitions (test/fixtures/tempo-proto.ts), independently of tracelite's encoder, and must give back
 * exactly what was sent: every AnyValue type (a double 1.0 stays a double, NaN and ±Infinity, int64 at its
 * limits, bytes, empty values, arrays and kvlists), events, links, flags, trace state, dropped counts.
 */
const TRACE = '005b8efff798038103d269b633813fc6';
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
                kv('minus', { intValue: '-1' }),
                kv('zero', { intValue: '0' }),
                kv('nothing', { stringValue: '' }),
                kv('raw', { bytesValue: 'AAEC/w==' }),
                kv('empty', {}),
                kv('list', { arrayValue: { values: [{ intValue: '1' }, { doubleValue: 2 }, { stringValue: 'x' }, {}] } }),
                kv('map', { kvlistValue: { values: [kv('k', { bytesValue: 'AQ==' }), kv('n', { arrayValue: { values: [] } })] } }),
                kv('long', { stringValue: 'x'.repeat(300) }),
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
            {
              traceId: TRACE,
              spanId: '00000000000000a1',
              parentSpanId: 'eee19b7ec3c1b174',
              traceState: '',
              flags: 0,
              name: 'SELECT',
              kind: 3,
              startTimeUnixNano: '1700000000000000002',
              endTimeUnixNano: '1700000000000000002',
              attributes: [],
              droppedAttributesCount: 0,
              events: [],
              droppedEventsCount: 0,
              links: [],
              droppedLinksCount: 0,
              status: { code: 0, message: '' },
            },
          ],
        },
      ],
    },
  ],
};

let server: TestServer;
const get = (url: string, accept?: string) => server.ui.inject({ method: 'GET', url, headers: accept ? { accept } : {} });

/** Decoded protobuf as OTLP/JSON, without the schema URLs tracelite does not keep (proto3 defaults: ''). */
function decoded(type: typeof TempoTrace, bytes: Uint8Array): any {
  const obj = otlpJsonOf(type, bytes);
  const strip = (rs: any[]) => rs.map(({ schemaUrl, ...r }: any) => (expect(schemaUrl).toBe(''), { ...r, scopeSpans: r.scopeSpans.map(({ schemaUrl: s, ...sc }: any) => (expect(s).toBe(''), sc)) }));
  if (obj.trace) obj.trace.resourceSpans = strip(obj.trace.resourceSpans);
  else obj.resourceSpans = strip(obj.resourceSpans);
  return obj;
}

beforeAll(async () => {
  server = await startServer({ listen: false });
  const res = await server.ui.inject({ method: 'POST', url: '/v1/traces', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  expect(res.statusCode).toBe(200);
});
afterAll(async () => server.close());

describe('GET /tempo/api/v2/traces/{id}', () => {
  it('protobuf: a TraceByIDResponse whose trace decodes to exactly what was sent', async () => {
    const res = await get(`/tempo/api/v2/traces/${TRACE}`, 'application/protobuf');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/protobuf');
    expect(decoded(TraceByIDResponse, res.rawPayload)).toEqual({ trace: { resourceSpans: body.resourceSpans }, status: 0, message: '', metrics: null });
  });

  it('JSON: {"trace":{"resourceSpans":[…]}} with IDs in base64, as Tempo (gogo jsonpb) writes bytes', async () => {
    const res = await get(`/tempo/api/v2/traces/${TRACE}`);
    expect(res.statusCode).toBe(200);
    const json = res.json();
    const span = json.trace.resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.traceId).toBe(Buffer.from(TRACE, 'hex').toString('base64'));
    expect(span.spanId).toBe('7uGbfsPBsXQ=');
    expect(span.links[0].traceId).toBe('CvdlGRbNQ92ESOshHIAxnA==');
    expect(json.trace.resourceSpans[0].scopeSpans[0].spans[1].parentSpanId).toBe('7uGbfsPBsXQ=');
    expect(span.attributes).toEqual(body.resourceSpans[0].scopeSpans[0].spans[0].attributes);
    expect(Object.keys(json)).toEqual(['trace']);
  });

  it('an unknown trace is a 404 (Grafana then tries v1); a bad ID a 400', async () => {
    expect((await get('/tempo/api/v2/traces/abc', 'application/protobuf')).statusCode).toBe(404);
    expect((await get('/tempo/api/traces/abc', 'application/protobuf')).statusCode).toBe(404);
    const bad = await get('/tempo/api/v2/traces/xyz');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toBe('traceId must be 1 to 32 hex digits');
  });
});

describe('GET /tempo/api/traces/{id} (v1)', () => {
  it('protobuf: a Trace (the bytes of TracesData) that decodes to what was sent; the ID may lack its leading zeros', async () => {
    const res = await get(`/tempo/api/traces/${TRACE.replace(/^0+/, '')}`, 'application/protobuf');
    expect(res.statusCode).toBe(200);
    expect(decoded(TempoTrace, res.rawPayload)).toEqual({ resourceSpans: body.resourceSpans });
  });

  it('JSON: {"batches":[…]}, the legacy name of resourceSpans', async () => {
    const res = await get(`/tempo/api/traces/${TRACE.toUpperCase()}`, 'application/json');
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json())).toEqual(['batches']);
    expect(res.json().batches).toEqual((await get(`/tempo/api/v2/traces/${TRACE}`)).json().trace.resourceSpans);
  });
});
