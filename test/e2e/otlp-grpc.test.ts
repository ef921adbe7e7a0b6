import zlib from 'node:zlib';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexBytes, requestWithSpans, spanBody } from '../fixtures/proto-writer.js';
import { protoFields, rawClient } from '../helpers/grpc.js';
import { hrToNs, recordRichTrace } from '../helpers/sdk.js';
import { getJson, startServer, type TestServer } from '../helpers/server.js';

const TRACES = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const METRICS = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const LOGS = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
const GRPC = { OK: 0, INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14 };

let server: TestServer;
/** Receives the same spans over OTLP/HTTP protobuf: the reference the gRPC copy must equal. */
let reference: TestServer;
beforeAll(async () => {
  [server, reference] = await Promise.all([startServer(), startServer({ listen: false })]);
});
afterAll(async () => Promise.all([server.close(), reference.close()]));

/** Resolves once the exporter reports success, which it does only after tracelite answered (after commit). */
function exportSpans(exporter: SpanExporter, spans: ReadableSpan[]): Promise<void> {
  return new Promise((resolve, reject) => {
    exporter.export(spans, (r) => (r.code === 0 ? resolve() : reject(r.error ?? new Error(`export failed (${r.code})`))));
  });
}

function storedSpanCount(s: TestServer): number {
  return s.reader.services().reduce((n, x) => n + x.spanCount, 0);
}

const KINDS = ['internal', 'server', 'client', 'producer', 'consumer'];
const STATUS = ['unset', 'ok', 'error'];

describe('OTLP/gRPC with the real OpenTelemetry exporter', () => {
  it('listens where the Tracelite object says', () => {
    expect(server.otlpGrpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(reference.otlpGrpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/); // listen: false binds gRPC too (port 0)
  });

  it.each([
    ['grpc', undefined],
    ['grpc + gzip', CompressionAlgorithm.GZIP],
  ])('%s: spans read back field for field, the same as over OTLP/HTTP protobuf', async (name, compression) => {
    const service = `svc-${name.replace(/\W+/g, '-')}`;
    const spans = await recordRichTrace(service);
    const traceId = spans[0].spanContext().traceId;
    const grpc = new GrpcExporter({ url: server.otlpGrpcUrl, compression });
    try {
      await exportSpans(grpc, spans);
    } finally {
      await grpc.shutdown();
    }
    // Answered after commit: readable at once, no polling.
    const got = await getJson(server, `/api/traces/${traceId}`);
    expect(got.status).toBe(200);
    expect(got.body.spans).toHaveLength(spans.length);
    for (const s of spans) {
      const api = got.body.spans.find((x: { spanId: string }) => x.spanId === s.spanContext().spanId);
      expect(api, s.name).toMatchObject({
        traceId,
        parentSpanId: s.parentSpanContext?.spanId ?? '',
        name: s.name,
        kind: KINDS[s.kind],
        service,
        startTimeUnixNano: String(hrToNs(s.startTime)),
        endTimeUnixNano: String(hrToNs(s.endTime)),
        status: { code: STATUS[s.status.code], message: s.status.message ?? '' },
        attributes: s.attributes,
        resource: s.resource.attributes,
        scope: { name: 'test-scope', version: '0.0.1' },
        events: s.events.map((e) => ({ name: e.name, timeUnixNano: String(hrToNs(e.time)), attributes: e.attributes ?? {} })),
        links: s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId, attributes: l.attributes ?? {} })),
      });
    }

    // Every value's OTLP type (int vs double, arrays, ...): the typed export equals that of the same spans sent as
    // OTLP/HTTP protobuf (the bytes the proto exporter sends: its serializer).
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    const res = await reference.otlp.inject({ method: 'POST', url: '/v1/traces', payload: body, headers: { 'content-type': 'application/x-protobuf' } });
    expect(res.statusCode).toBe(200);
    const viaGrpc = await getJson(server, `/api/traces/${traceId}/otlp`);
    const viaHttp = await getJson(reference, `/api/traces/${traceId}/otlp`);
    expect(viaGrpc.status).toBe(200);
    expect(viaGrpc.body).toEqual(viaHttp.body);
    expect(JSON.stringify(viaGrpc.body)).toContain('"doubleValue":0.25');
  });
});

describe('OTLP/gRPC answers (raw gRPC client)', () => {
  it('answers INVALID_ARGUMENT with a message for undecodable bytes, stores nothing, and keeps serving', async () => {
    const before = storedSpanCount(server);
    const client = rawClient(server.otlpGrpcUrl, TRACES);
    try {
      for (const bad of [Buffer.from([0x0a, 0x20, 0x12]), Buffer.from([0x0b, 0x0c]), Buffer.from('not protobuf at all')]) {
        const r = await client.call(bad);
        expect(r.error?.code).toBe(GRPC.INVALID_ARGUMENT);
        expect(r.error?.details).toMatch(/\w+/);
      }
      const ok = await client.call(requestWithSpans(spanBody('ab'.repeat(16), '01'.repeat(8))));
      expect(ok.error).toBeUndefined();
      expect(ok.response).toEqual(Buffer.alloc(0)); // full success: an empty ExportTraceServiceResponse
    } finally {
      client.close();
    }
    expect(storedSpanCount(server)).toBe(before + 1);
  });

  it('answers partial_success as on HTTP, and stores the valid spans', async () => {
    const before = storedSpanCount(server);
    const client = rawClient(server.otlpGrpcUrl, TRACES, { gzip: true });
    const good = spanBody('cd'.repeat(16), '02'.repeat(8));
    const badId = Buffer.concat([hexBytes(1, 'cd'.repeat(16)), hexBytes(2, '0203')]); // a 2-byte span ID
    const r = await client.call(requestWithSpans(good, badId));
    client.close();
    expect(r.error).toBeUndefined();
    const partial = protoFields(protoFields(r.response!).get(1)![0] as Buffer);
    expect(partial.get(1)).toEqual([1n]); // rejected_spans
    expect((partial.get(2)![0] as Buffer).toString('utf8')).toMatch(/span/i); // error_message
    expect(storedSpanCount(server)).toBe(before + 1);
  });

  it('answers Logs and Metrics exports with success and discards them', async () => {
    for (const path of [LOGS, METRICS]) {
      const client = rawClient(server.otlpGrpcUrl, path);
      const r = await client.call(Buffer.from([0x0a, 0x00]));
      client.close();
      expect(r.error, path).toBeUndefined();
      expect(r.response).toEqual(Buffer.alloc(0));
    }
  });

  it('answers RESOURCE_EXHAUSTED beyond 64 MiB, counted after gzip, and stays up', async () => {
    const huge = Buffer.alloc(64 * 1024 * 1024 + 16);
    for (const gzip of [false, true]) {
      const client = rawClient(server.otlpGrpcUrl, TRACES, { gzip });
      const r = await client.call(huge);
      client.close();
      expect(r.error?.code, `gzip ${gzip}`).toBe(GRPC.RESOURCE_EXHAUSTED);
    }
    expect(zlib.gzipSync(huge).length).toBeLessThan(1024 * 1024); // the gzip case is a bomb, not a big message
    const client = rawClient(server.otlpGrpcUrl, TRACES);
    expect((await client.call(requestWithSpans(spanBody('ef'.repeat(16), '03'.repeat(8))))).error).toBeUndefined();
    client.close();
  });
});

describe('OTLP/gRPC under load and at shutdown', () => {
  it('answers UNAVAILABLE with a google.rpc.RetryInfo when the write queue is full, and commits what it accepted', async () => {
    const small = await startServer({ listen: false, queueSpans: 1 });
    const client = rawClient(small.otlpGrpcUrl, TRACES);
    try {
      const sends = Array.from({ length: 8 }, (_, i) => requestWithSpans(spanBody('12'.repeat(16), (i + 1).toString(16).padStart(16, '0'))));
      const results = await Promise.all(sends.map((b) => client.call(b)));
      const refused = results.filter((r) => r.error);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.length).toBeLessThan(8);
      const err = refused[0].error!;
      expect(err.code).toBe(GRPC.UNAVAILABLE);
      expect(err.details).toMatch(/queue is full/);
      const [bin] = err.metadata.get('grpc-status-details-bin') as Buffer[];
      const status = protoFields(bin);
      expect(status.get(1)).toEqual([14n]);
      expect((status.get(2)![0] as Buffer).toString('utf8')).toMatch(/queue is full/);
      const any = protoFields(status.get(3)![0] as Buffer);
      expect((any.get(1)![0] as Buffer).toString('utf8')).toBe('type.googleapis.com/google.rpc.RetryInfo');
      const retryDelay = protoFields(protoFields(any.get(2)![0] as Buffer).get(1)![0] as Buffer);
      expect(retryDelay.get(1)).toEqual([1n]); // seconds, as HTTP's Retry-After: 1
      expect(storedSpanCount(small)).toBe(results.filter((r) => !r.error).length);
    } finally {
      client.close();
      await small.close();
    }
  });

  it('on close, lets the calls in flight finish: every span acknowledged is committed', async () => {
    const t = await startServer();
    const client = rawClient(t.otlpGrpcUrl, TRACES);
    const sends = Array.from({ length: 20 }, (_, i) => requestWithSpans(spanBody('34'.repeat(16), (i + 1).toString(16).padStart(16, '0'))));
    // Connect first, so the calls below are on an open channel when close begins.
    expect((await client.call(requestWithSpans())).error).toBeUndefined();
    let settled = 0;
    const inFlight = sends.map((b) => client.call(b).finally(() => settled++));
    // Close while some are queued in the pipeline, i.e. received and not yet committed.
    while (t.pipeline.stats().queuedSpans === 0 && settled < sends.length) await new Promise((r) => setImmediate(r));
    const queuedAtClose = t.pipeline.stats().queuedSpans;
    const closing = t.close();
    const results = await Promise.all(inFlight);
    await closing;
    client.close();
    const acknowledged = results.filter((r) => !r.error).length;
    expect(queuedAtClose).toBeGreaterThan(0);
    expect(acknowledged).toBeGreaterThanOrEqual(queuedAtClose);
    for (const r of results) if (r.error) expect(r.error.code).toBe(GRPC.UNAVAILABLE); // refused, retryable: never lost
    expect(t.pipeline.stats().writtenSpans).toBe(acknowledged);
  });
});
