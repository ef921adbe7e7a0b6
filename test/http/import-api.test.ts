import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { recordRichTrace } from '../helpers/sdk.js';
import { getJson, startServer, type TestServer } from '../helpers/server.js';

/**
 * POST /api/import: each format detected by content and stored as if received over OTLP, read back through
 * /api/traces/{id}/otlp and /api/traces/{id}; malformed files are a 400 naming the line or the field path, and
 * nothing of them is stored.
 */
const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'import');
const kv = (key: string, value: object) => ({ key, value });
const TRACE = '5b8efff798038103d269b633813fc60c';

/** A trace in the normal form the export writes (every field present), so the export must equal it. */
function tracesData(traceId: string, spanId: string, service: string, name: string, extra: object = {}) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', { stringValue: service }), kv('host.cores', { intValue: '9007199254740993' })], droppedAttributesCount: 0 },
        scopeSpans: [
          {
            scope: { name: 'scope', version: '1.0', attributes: [], droppedAttributesCount: 0 },
            spans: [
              {
                traceId,
                spanId,
                parentSpanId: '',
                traceState: '',
                flags: 1,
                name,
                kind: 2,
                startTimeUnixNano: '1700000000000000001',
                endTimeUnixNano: '1700000000250000003',
                attributes: [kv('one', { doubleValue: 1 }), kv('raw', { bytesValue: 'AAEC/w==' }), kv('n', { intValue: '7' })],
                droppedAttributesCount: 0,
                events: [{ timeUnixNano: '1700000000100000000', name: 'exception', attributes: [kv('exception.type', { stringValue: 'Error' })], droppedAttributesCount: 0 }],
                droppedEventsCount: 0,
                links: [],
                droppedLinksCount: 0,
                status: { code: 2, message: 'boom' },
                ...extra,
              },
            ],
          },
        ],
      },
    ],
  };
}

let server: TestServer;
const importRaw = (payload: string | Buffer, headers: Record<string, string> = {}) =>
  server.ui.inject({ method: 'POST', url: '/api/import', payload, headers: { 'content-type': 'application/octet-stream', ...headers } });
const exported = (id: string) => server.ui.inject({ method: 'GET', url: `/api/traces/${id}/otlp` });
const storedTraceCount = async () => (await getJson(server, '/api/traces?limit=1000')).body.traces.length as number;

beforeAll(async () => {
  server = await startServer({ listen: false });
});
afterAll(async () => server.close());
beforeEach(async () => {
  expect((await server.ui.inject({ method: 'DELETE', url: '/api/traces' })).statusCode).toBe(200);
});

describe('POST /api/import: OTLP JSON', () => {
  it('stores a TracesData and reads it back field for field', async () => {
    const body = tracesData(TRACE, 'eee19b7ec3c1b174', 'web', 'GET /checkout');
    const res = await importRaw(JSON.stringify(body, null, 2), { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ format: 'otlp-json', spans: 1, traces: 1, rejectedSpans: 0, rejected: [], traceIds: [TRACE] });
    expect((await exported(TRACE)).json()).toEqual(body);
  });

  it('export → clear → import gives the same export, raw, gzip-encoded, a .gz file and a form upload', async () => {
    const body = tracesData(TRACE, 'eee19b7ec3c1b174', 'web', 'GET /checkout', { traceState: 'a=b', flags: 769 });
    expect((await importRaw(JSON.stringify(body))).statusCode).toBe(200);
    const first = (await exported(TRACE)).body;
    const boundary = '----tracelite7MA4YWxkTrZu0gW';
    const multipart = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nx\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="trace.json"\r\nContent-Type: application/json\r\n\r\n`),
      Buffer.from(first),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const ways: Array<[string, () => ReturnType<typeof importRaw>]> = [
      ['raw', () => importRaw(first, { 'content-type': 'application/json' })],
      ['gzip', () => importRaw(zlib.gzipSync(first), { 'content-encoding': 'gzip' })],
      ['.gz file', () => importRaw(zlib.gzipSync(first))],
      ['form', () => importRaw(multipart, { 'content-type': `multipart/form-data; boundary=${boundary}` })],
    ];
    for (const [way, send] of ways) {
      expect((await server.ui.inject({ method: 'DELETE', url: '/api/traces' })).statusCode).toBe(200);
      expect((await exported(TRACE)).statusCode).toBe(404);
      const res = await send();
      expect(res.statusCode, way).toBe(200);
      expect(res.json().spans, way).toBe(1);
      expect((await exported(TRACE)).body, way).toBe(first);
    }
  });

  it('counts spans the decoder refuses one by one, and stores the rest', async () => {
    const good = tracesData(TRACE, 'eee19b7ec3c1b174', 'web', 'ok');
    const bad = tracesData('0af7651916cd43dd', 'aaa19b7ec3c1b174', 'web', 'short trace id').resourceSpans[0].scopeSpans[0].spans[0];
    good.resourceSpans[0].scopeSpans[0].spans.push(bad);
    const res = await importRaw(JSON.stringify(good));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ spans: 1, traces: 1, rejectedSpans: 1, rejected: ['span aaa19b7ec3c1b174: trace_id must be 16 bytes, got 8'] });
    expect(await storedTraceCount()).toBe(1);
  });
});

describe('POST /api/import: what the OpenTelemetry JS SDK serializes (otlp-transformer)', () => {
  it('an OTLP/JSON export request of real SDK spans, as a file and as two lines, reads back span for span', async () => {
    const sdkJson = (spans: Awaited<ReturnType<typeof recordRichTrace>>) => Buffer.from(JsonTraceSerializer.serializeRequest(spans)!).toString('utf8');
    const [a, b] = [await recordRichTrace('checkout'), await recordRichTrace('payments')];
    for (const [file, format] of [
      [sdkJson(a), 'otlp-json'],
      [`${sdkJson(a)}\n${sdkJson(b)}\n`, 'otlp-ndjson'],
    ] as const) {
      expect((await server.ui.inject({ method: 'DELETE', url: '/api/traces' })).statusCode).toBe(200);
      const res = await importRaw(file);
      expect(res.statusCode).toBe(200);
      // proto3 JSON spells an int64 as a number or a string; the export writes the canonical string.
      const canon = (_k: string, v: unknown) => (typeof v === 'number' && (_k === 'intValue' || _k.endsWith('UnixNano')) ? String(v) : v);
      const lines = file.trim().split('\n').map((l) => JSON.parse(l, canon));
      expect(res.json()).toMatchObject({ format, spans: 3 * lines.length, traces: lines.length, rejectedSpans: 0 });
      for (const sent of lines) {
        const want = sent.resourceSpans[0].scopeSpans[0].spans;
        const got = (await exported(want[0].traceId)).json().resourceSpans[0].scopeSpans[0].spans;
        expect(got).toHaveLength(want.length);
        for (const w of want) {
          const g = got.find((x: { spanId: string }) => x.spanId === w.spanId);
          for (const field of ['traceId', 'parentSpanId', 'name', 'kind', 'startTimeUnixNano', 'endTimeUnixNano', 'attributes']) {
            expect(g[field] ?? '', field).toEqual(w[field] ?? '');
          }
          expect(g.status.code).toBe(w.status.code ?? 0);
          expect(g.events.map((e: object) => ({ ...e, droppedAttributesCount: 0 }))).toEqual(w.events.map((e: object) => ({ ...e, droppedAttributesCount: 0 })));
          expect(g.links.map((l: { traceId: string; spanId: string; attributes: unknown }) => [l.traceId, l.spanId, l.attributes])).toEqual(
            w.links.map((l: { traceId: string; spanId: string; attributes: unknown }) => [l.traceId, l.spanId, l.attributes]),
          );
        }
      }
    }
  });
});

describe('POST /api/import: the Collector file exporter (NDJSON)', () => {
  const A = '0af7651916cd43dd8448eb211c80319c';
  const B = '4bf92f3577b34da6a3ce929d0e0e4736';
  // As pdata's JSONMarshaler writes a line: fields at their defaults left out, a schemaUrl.
  const collectorLine = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [kv('service.name', { stringValue: 'api' })] },
        scopeSpans: [
          {
            scope: { name: 'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp', version: '0.63.0' },
            spans: [
              {
                traceId: B,
                spanId: '00f067aa0ba902b7',
                flags: 257,
                name: 'GET /',
                kind: 2,
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000005000000',
                attributes: [kv('http.response.status_code', { intValue: '200' })],
                status: {},
              },
            ],
          },
        ],
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      },
    ],
  });
  const metricsLine = JSON.stringify({ resourceMetrics: [{ resource: { attributes: [] }, scopeMetrics: [] }] });
  const logsLine = JSON.stringify({ resourceLogs: [{ resource: { attributes: [] }, scopeLogs: [] }] });

  it('stores every traces line, skips and counts logs and metrics lines, and reads each trace back', async () => {
    const a = tracesData(A, 'eee19b7ec3c1b174', 'web', 'GET /a');
    const file = [JSON.stringify(a), metricsLine, collectorLine, '', logsLine, ''].join('\n');
    const res = await importRaw(file, { 'content-type': 'application/x-ndjson' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ format: 'otlp-ndjson', spans: 2, traces: 2, rejectedSpans: 0, rejected: [], skippedLines: 2, traceIds: [A, B] });
    expect((await exported(A)).json()).toEqual(a);
    // The Collector's terse line reads back with every default spelled out, nothing else changed.
    const span = (await exported(B)).json().resourceSpans[0].scopeSpans[0].spans[0];
    expect(span).toEqual({
      traceId: B,
      spanId: '00f067aa0ba902b7',
      parentSpanId: '',
      traceState: '',
      flags: 257,
      name: 'GET /',
      kind: 2,
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: '1700000000005000000',
      attributes: [kv('http.response.status_code', { intValue: '200' })],
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 0, message: '' },
    });
  });

  it('a bad line is a 400 naming the line, and nothing of the file is stored', async () => {
    const file = [collectorLine, metricsLine, '{"resourceSpans":[{"scopeSpans":[{"spans":[}]}]}', collectorLine].join('\n');
    const res = await importRaw(file);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/^line 3: invalid JSON at column 44 \(character 43\): Unexpected token '}'$/);
    expect(await storedTraceCount()).toBe(0);
  });

  it('a line the OTLP decoder refuses is a 400 naming the line and the field', async () => {
    const wrong = collectorLine.replace('"startTimeUnixNano":"1700000000000000000"', '"startTimeUnixNano":"soon"');
    const res = await importRaw([collectorLine, wrong].join('\n'));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/^line 2: .*startTimeUnixNano/);
    expect(await storedTraceCount()).toBe(0);
  });
});

describe('POST /api/import: Jaeger UI JSON', () => {
  it('maps a Jaeger v2 download of OTLP spans back to the OTLP it came from', async () => {
    const file = fs.readFileSync(path.join(FIXTURES, 'jaeger-otel.json'));
    const res = await importRaw(file, { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(200);
    const id = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect(res.json()).toEqual({ format: 'jaeger-json', spans: 2, traces: 1, rejectedSpans: 0, rejected: [], traceIds: [id] });

    const otlp = (await exported(id)).json();
    const [p1, p2] = otlp.resourceSpans;
    expect(p1.resource.attributes).toEqual([
      kv('service.name', { stringValue: 'checkout' }),
      kv('host.name', { stringValue: 'box' }),
      kv('telemetry.sdk.language', { stringValue: 'nodejs' }),
    ]);
    expect(p2.resource.attributes).toEqual([kv('service.name', { stringValue: 'payments-client' }), kv('process.pid', { intValue: '4242' })]);
    const root = p1.scopeSpans[0];
    expect(root.scope).toMatchObject({ name: '@opentelemetry/instrumentation-http', version: '0.223.0' });
    expect(root.spans[0]).toMatchObject({
      spanId: '00f067aa0ba902b7',
      parentSpanId: '',
      flags: 1,
      name: 'GET /checkout',
      kind: 2,
      startTimeUnixNano: '1700000000000001000',
      endTimeUnixNano: '1700000000250001000',
      status: { code: 1, message: '' },
      attributes: [
        kv('http.request.method', { stringValue: 'GET' }),
        kv('http.response.status_code', { intValue: '200' }),
        kv('ratio', { doubleValue: 1 }),
        kv('cache.hit', { boolValue: false }),
      ],
    });
    const call = p2.scopeSpans[0];
    expect(call.scope).toMatchObject({ name: '@opentelemetry/instrumentation-undici', version: '' });
    expect(call.spans[0]).toMatchObject({
      spanId: 'b7ad6b7169203331',
      parentSpanId: '00f067aa0ba902b7',
      traceState: 'congo=t61rcWkgMzE',
      kind: 3,
      startTimeUnixNano: '1700000000100000000',
      endTimeUnixNano: '1700000000220500000',
      status: { code: 2, message: 'card declined' },
      attributes: [
        kv('server.address', { stringValue: 'payments' }),
        kv('big', { intValue: '9007199254740993' }),
        kv('raw', { bytesValue: 'AAEC/w==' }),
        kv('list', { stringValue: '[1,"x"]' }),
      ],
      events: [
        {
          timeUnixNano: '1700000000200000000',
          name: 'exception',
          attributes: [kv('exception.type', { stringValue: 'CardDeclinedError' }), kv('exception.escaped', { boolValue: false })],
          droppedAttributesCount: 0,
        },
      ],
      links: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'c7ad6b7169203331', traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 }],
    });
    // Decided at ingest like any OTLP span: the ERROR status fails the call.
    const spans = (await getJson(server, `/api/traces/${id}`)).body.spans;
    expect(spans.map((s: { name: string; error: boolean; service: string }) => [s.name, s.service, s.error])).toEqual([
      ['GET /checkout', 'checkout', false],
      ['POST /charge', 'payments-client', true],
    ]);
  });

  it("reads Jaeger's own UI-model fixture: short IDs padded, error=true is ERROR, parent from the first CHILD_OF in the trace", async () => {
    const res = await importRaw(fs.readFileSync(path.join(FIXTURES, 'jaeger-ui_01.json')));
    expect(res.statusCode).toBe(200);
    const id = '00000000000000000000000000000001';
    expect(res.json()).toMatchObject({ format: 'jaeger-json', spans: 5, traces: 1, rejectedSpans: 0 });
    const spans = (await getJson(server, `/api/traces/${id}`)).body.spans as Array<Record<string, any>>;
    const byName = (name: string) => spans.find((s) => s.name === name)!;
    expect(byName('test-general-conversion')).toMatchObject({
      spanId: '0000000000000002',
      parentSpanId: '',
      service: 'service-x',
      kind: 'unspecified',
      startTimeUnixNano: '1485467191639875000',
      endTimeUnixNano: '1485467191639880000',
      events: [
        { name: 'some-event', timeUnixNano: '1485467191639875000', attributes: {} },
        { name: '', timeUnixNano: '1485467191639875000', attributes: { x: 'y' } },
      ],
    });
    // The fixture's second span reuses span ID 2: the store keeps the first (as for any retried export).
    expect(spans).toHaveLength(4);
    expect(byName('some-operation')).toMatchObject({ spanId: '0000000000000003', parentSpanId: '0000000000000002', service: 'service-y' });
    expect(byName('reference-test')).toMatchObject({
      parentSpanId: '0000000000000002',
      service: 'service-y',
      links: [
        { traceId: '000000000000000000000000000000ff', spanId: '00000000000000ff', attributes: {} },
        { traceId: id, spanId: '0000000000000002', attributes: {} },
      ],
    });
    expect(byName('preserveParentID-test')).toMatchObject({ parentSpanId: '0000000000000004', durationMs: 0.004 });
  });

  it('a Jaeger-native span with error=true (no otel.status_code) is an ERROR, its other tags kept with their types', async () => {
    const trace = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'jaeger-ui_01.json'), 'utf8'));
    trace.spans[1].spanID = '6';
    expect((await importRaw(JSON.stringify(trace))).statusCode).toBe(200);
    const spans = (await getJson(server, '/api/traces/00000000000000000000000000000001')).body.spans as Array<Record<string, any>>;
    expect(spans.find((s) => s.spanId === '0000000000000006')).toMatchObject({
      status: { code: 'error', message: '' },
      error: true,
      attributes: { 'peer.service': 'service-y', 'peer.ipv4': 23456, temperature: 72.5, blob: 'AAAwOQ==' },
    });
  });

  it('takes a bare array of traces too', async () => {
    const envelope = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'jaeger-otel.json'), 'utf8'));
    const res = await importRaw(JSON.stringify(envelope.data));
    expect(res.json()).toMatchObject({ format: 'jaeger-json', spans: 2, traces: 1 });
  });

  it('a bad span is a 400 naming its field path, and nothing of the file is stored', async () => {
    const envelope = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'jaeger-otel.json'), 'utf8'));
    const second = structuredClone(envelope.data[0]);
    second.traceID = '1'.repeat(32);
    for (const s of second.spans) s.traceID = second.traceID;
    second.spans[1].startTime = 'yesterday';
    envelope.data.push(second);
    const res = await importRaw(JSON.stringify(envelope));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'data[1].spans[1].startTime: must be a whole number of microseconds, got "yesterday"' });

    delete envelope.data[1];
    envelope.data = [envelope.data[0]];
    envelope.data[0].spans[0].tags[4].type = 'uint8';
    expect((await importRaw(JSON.stringify(envelope))).json().error).toBe(
      'data[0].spans[0].tags[4].type: "uint8" is not a Jaeger tag type (string, bool, int64, float64, binary)',
    );
    envelope.data[0].spans[0].tags[4].type = 'int64';
    envelope.data[0].spans[1].processID = 'p9';
    expect((await importRaw(JSON.stringify(envelope))).json().error).toBe('data[0].spans[1].processID: "p9" is not a key of data[0].processes');
    expect(await storedTraceCount()).toBe(0);
  });
});

describe('POST /api/import: what is refused', () => {
  it('bad JSON is a 400 naming the line and column', async () => {
    const res = await importRaw('{\n  "resourceSpans": [\n    {"resource": }\n  ]\n}');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/^invalid JSON at line 3, column 18 \(character 40\): /);
    const cut = await importRaw('{"data": [{"traceID": "01", "spans": [');
    expect(cut.json().error).toMatch(/^invalid JSON at line 1, column 39 \(character 38\): /);
  });

  it('an empty file is a 400, content of no known format a 415, a malformed Zipkin array a 400 naming its span', async () => {
    for (const empty of ['', '  \n', '[]']) {
      const res = await importRaw(empty);
      expect(res.statusCode, JSON.stringify(empty)).toBe(400);
      expect(res.json().error).toMatch(/nothing to import/);
    }
    const unknown = await importRaw('{"traces": []}');
    expect(unknown.statusCode).toBe(415);
    expect(unknown.json().error).toMatch(/^not a trace file tracelite knows: send OTLP JSON/);
    expect((await importRaw(Buffer.from([0x0a, 0x03, 0x01, 0x02, 0x03]))).statusCode).toBe(415);
    const zstd = await importRaw(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0]));
    expect(zstd.statusCode).toBe(415);
    expect(zstd.json().error).toMatch(/zstd/);
    const zipkin = await importRaw(JSON.stringify([{ traceId: '5af7183fb1d4cf5f', id: '6b221d5bc9e6496c', name: 'get', timestamp: 1 }, { traceId: '5af7183fb1d4cf5f', id: 'xyz' }]));
    expect(zipkin.statusCode).toBe(400);
    expect(zipkin.json().error).toMatch(/^invalid Zipkin v2 JSON: span 1: id must be 16 hex characters/);
    expect((await importRaw('{"resourceLogs": []}')).statusCode).toBe(400);
  });

  it('a body over 100 MiB is a 413, and so is a gzip that inflates beyond it; nothing stored', async () => {
    const big = Buffer.alloc(101 * 1024 * 1024 + 1, 0x20);
    expect((await importRaw(big)).statusCode).toBe(413);
    const bomb = zlib.gzipSync(Buffer.alloc(100 * 1024 * 1024 + 1, 0x20));
    const res = await importRaw(bomb, { 'content-encoding': 'gzip' });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatch(/larger than 100 MiB after decompression/);
    expect((await importRaw(bomb)).statusCode).toBe(413);
    expect((await importRaw(Buffer.from([0x1f, 0x8b, 1, 2, 3]))).statusCode).toBe(400);
    expect(await storedTraceCount()).toBe(0);
  });

  it('refuses a cross-site browser post, lets same-origin pages and curl through', async () => {
    const body = JSON.stringify(tracesData(TRACE, 'eee19b7ec3c1b174', 'web', 'x'));
    const cross = await importRaw(body, { 'sec-fetch-site': 'cross-site' });
    expect(cross.statusCode).toBe(403);
    expect((await importRaw(body, { origin: 'http://evil.example' })).statusCode).toBe(403);
    expect(await storedTraceCount()).toBe(0);
    expect((await importRaw(body, { 'sec-fetch-site': 'same-origin', origin: 'http://localhost:80', host: 'localhost:80' })).statusCode).toBe(200);
  });
});
