import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, startServer, type TestServer } from '../helpers/server.js';

/**
 * POST /api/import of a Zipkin v2 JSON array, written as the OpenTelemetry JS Zipkin exporter writes it
 * (@opentelemetry/exporter-zipkin transform.js: tags are strings, resource attributes folded into the tags,
 * `otel.status_code` and `error` = the status message, events as annotations, kind absent for INTERNAL), read back
 * by the expectations of reference §7: localEndpoint.serviceName → service.name, kind → SpanKind, `error` tag →
 * status ERROR with its value as message, annotations → events, remoteEndpoint.serviceName → peer service,
 * 64-bit trace IDs left-padded.
 */
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SHORT = '5af7183fb1d4cf5f';
const spans = [
  {
    traceId: TRACE,
    name: 'GET /checkout',
    id: '00f067aa0ba902b7',
    kind: 'SERVER',
    timestamp: 1700000000000001,
    duration: 250000,
    localEndpoint: { serviceName: 'checkout' },
    tags: { 'http.request.method': 'GET', 'http.response.status_code': '200', 'service.name': 'checkout', 'telemetry.sdk.language': 'nodejs' },
  },
  {
    traceId: TRACE,
    parentId: '00f067aa0ba902b7',
    name: 'POST /charge',
    id: 'b7ad6b7169203331',
    kind: 'CLIENT',
    timestamp: 1700000000100000,
    duration: 120500,
    localEndpoint: { serviceName: 'checkout' },
    remoteEndpoint: { serviceName: 'payments' },
    tags: { 'otel.status_code': 'ERROR', error: 'card declined', 'service.name': 'checkout' },
    annotations: [{ timestamp: 1700000000200000, value: 'exception' }],
  },
  { traceId: SHORT, name: 'cache get', id: '6b221d5bc9e6496c', timestamp: 1700000000300000, duration: 10, localEndpoint: { serviceName: 'cache' }, tags: {} },
];

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ listen: false });
});
afterAll(async () => server.close());

describe('POST /api/import: Zipkin v2 JSON', () => {
  it('stores the array as if received over OTLP and reads back the mapped fields', async () => {
    const res = await server.ui.inject({ method: 'POST', url: '/api/import', payload: JSON.stringify(spans), headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ format: 'zipkin-json', spans: 3, traces: 2, rejectedSpans: 0, rejected: [] });

    const got = (await getJson(server, `/api/traces/${TRACE}`)).body.spans as Array<Record<string, any>>;
    const [server_, client] = [got.find((s) => s.name === 'GET /checkout')!, got.find((s) => s.name === 'POST /charge')!];
    expect(server_).toMatchObject({
      kind: 'server',
      service: 'checkout',
      parentSpanId: '',
      startTimeUnixNano: '1700000000000001000',
      endTimeUnixNano: '1700000000250001000',
      error: false,
    });
    expect(server_.attributes['http.request.method']).toBe('GET');
    expect(client).toMatchObject({
      kind: 'client',
      parentSpanId: '00f067aa0ba902b7',
      status: { code: 'error', message: 'card declined' },
      error: true,
      events: [{ name: 'exception', timeUnixNano: '1700000000200000000' }],
    });
    expect(client.attributes['peer.service'] ?? client.attributes['service.peer.name']).toBe('payments');
    const padded = (await getJson(server, `/api/traces/${SHORT.padStart(32, '0')}`)).body.spans;
    expect(padded).toHaveLength(1);
    expect(padded[0]).toMatchObject({ service: 'cache', kind: 'internal', durationMs: 0.01 });
  });
});
