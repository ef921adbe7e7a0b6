import { SpanKind, SpanStatusCode, context, trace, type HrTime } from '@opentelemetry/api';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spanFailed } from '../../src/model/failure.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

const KINDS = ['internal', 'server', 'client', 'producer', 'consumer'];
/** ExportResultCode.SUCCESS of @opentelemetry/core (not a dependency of ours). */
const SUCCESS = 0;
type ExportResult = { code: number; error?: Error };
/** The exporter's own conversion (core's hrTimeToMicroseconds): µs, rounded. */
const hrTimeToMicroseconds = (t: HrTime) => Math.round(t[0] * 1e6 + t[1] / 1e3);
const STATUS = ['unset', 'ok', 'error'];

function provider(service: string, memory: InMemorySpanExporter): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': '2.0.1', 'deployment.environment.name': 'dev' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
}

/** Two services of one trace, recorded by the SDK: frontend SERVER → CLIENT → backend SERVER → PRODUCER, INTERNAL. */
async function recordTrace(): Promise<{ frontend: ReadableSpan[]; backend: ReadableSpan[] }> {
  const fm = new InMemorySpanExporter();
  const bm = new InMemorySpanExporter();
  const fp = provider('frontend', fm);
  const bp = provider('backend', bm);
  const ft = fp.getTracer('zipkin-e2e', '1.0.0');
  const bt = bp.getTracer('zipkin-e2e', '1.0.0');

  const root = ft.startSpan('GET /order', {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'GET', 'http.route': '/order', 'http.response.status_code': 200, ratio: 0.75, cached: false, tags: ['a', 'b'] },
  });
  root.addEvent('validated');
  const rootCtx = trace.setSpan(context.active(), root);
  const call = ft.startSpan('POST', { kind: SpanKind.CLIENT, attributes: { 'server.address': 'backend', 'server.port': 8081 } }, rootCtx);
  // The backend continues the trace from the propagated context, as after a traceparent header.
  const remote = trace.setSpanContext(context.active(), { ...call.spanContext(), isRemote: true });
  const handle = bt.startSpan('POST /charge', { kind: SpanKind.SERVER, attributes: { 'http.route': '/charge', n: -42 } }, remote);
  const handleCtx = trace.setSpan(context.active(), handle);
  const publish = bt.startSpan('charges publish', { kind: SpanKind.PRODUCER, attributes: { 'messaging.destination.name': 'charges' } }, handleCtx);
  publish.end();
  const work = bt.startSpan('sign receipt', { kind: SpanKind.INTERNAL }, handleCtx);
  work.setStatus({ code: SpanStatusCode.OK });
  work.end();
  handle.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  handle.end();
  call.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream failed' });
  call.end();
  root.end();

  await Promise.all([fp.forceFlush(), bp.forceFlush()]);
  const spans = { frontend: fm.getFinishedSpans(), backend: bm.getFinishedSpans() };
  await Promise.all([fp.shutdown(), bp.shutdown()]);
  return spans;
}

/** The real OTel Zipkin exporter, unchanged, pointed at tracelite's Zipkin port. */
async function exportZipkin(spans: ReadableSpan[]): Promise<ExportResult> {
  const exporter = new ZipkinExporter({ url: `${server.zipkinUrl}/api/v2/spans` });
  const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
  await exporter.shutdown();
  return result;
}

/** What Zipkin's model can carry: times in µs as the exporter rounds them, attributes as tag strings. */
const micros = (t: HrTime) => BigInt(hrTimeToMicroseconds(t));
const strings = (attrs: Record<string, unknown>) => Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, String(v)]));

function expected(s: ReadableSpan, service: string) {
  const start = micros(s.startTime) * 1000n;
  const end = start + BigInt(hrTimeToMicroseconds(s.duration)) * 1000n;
  const attributes = strings(s.attributes);
  return {
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId ?? '',
    name: s.name,
    kind: KINDS[s.kind],
    service,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(end),
    durationMs: Number(end - start) / 1e6,
    status: { code: STATUS[s.status.code], message: s.status.code === SpanStatusCode.ERROR ? (s.status.message ?? '') : '' },
    error: spanFailed({ kind: s.kind + 1, statusCode: s.status.code, attributes }),
    attributes,
    resource: strings(s.resource.attributes),
    // Zipkin's model has no scope, links, trace state or flags; the OTel exporter does not send them.
    scope: { name: '', version: '' },
    events: s.events.map((e) => ({ name: e.name, timeUnixNano: String(micros(e.time) * 1000n), attributes: {} })),
    links: [],
    traceState: '',
    flags: 0,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

describe('the OpenTelemetry Zipkin exporter, unchanged', () => {
  it('sends two services whose spans read back field for field', async () => {
    const { frontend, backend } = await recordTrace();
    expect((await exportZipkin(frontend)).code).toBe(SUCCESS);
    expect((await exportZipkin(backend)).code).toBe(SUCCESS);
    // 202 is sent after the commit: the trace is readable now, no polling.
    const traceId = frontend[0].spanContext().traceId;
    const res = await fetch(`${server.uiUrl}/api/traces/${traceId}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.spans).toHaveLength(5);
    for (const [service, spans] of [['frontend', frontend], ['backend', backend]] as const) {
      for (const s of spans) {
        const got = body.spans.find((x: { spanId: string }) => x.spanId === s.spanContext().spanId);
        expect(got, s.name).toEqual(expected(s, service));
      }
    }
    // The kinds and statuses the test means to cover are really there.
    expect(body.spans.map((s: { kind: string }) => s.kind).sort()).toEqual(['client', 'internal', 'producer', 'server', 'server']);
    expect(body.spans.find((s: { name: string }) => s.name === 'POST /charge').status).toEqual({ code: 'error', message: 'card declined' });
    expect(body.spans.find((s: { name: string }) => s.name === 'sign receipt').status).toEqual({ code: 'ok', message: '' });

    // The same trace as OTLP/JSON: one resource per service, every tag a string value.
    const otlp = await (await fetch(`${server.uiUrl}/api/traces/${traceId}/otlp`)).json();
    const byService = new Map<string, any>();
    for (const rs of otlp.resourceSpans) {
      const name = rs.resource.attributes.find((a: any) => a.key === 'service.name').value.stringValue;
      byService.set(name, rs);
    }
    expect([...byService.keys()].sort()).toEqual(['backend', 'frontend']);
    for (const [service, spans] of [['frontend', frontend], ['backend', backend]] as const) {
      const rs = byService.get(service);
      const resource = Object.fromEntries(rs.resource.attributes.map((a: any) => [a.key, a.value]));
      expect(resource).toEqual(Object.fromEntries(Object.entries(spans[0].resource.attributes).map(([k, v]) => [k, { stringValue: String(v) }])));
      const otlpSpans = rs.scopeSpans.flatMap((ss: any) => ss.spans);
      expect(otlpSpans).toHaveLength(spans.length);
      for (const s of spans) {
        const o = otlpSpans.find((x: any) => x.spanId === s.spanContext().spanId);
        const e = expected(s, service);
        expect(o).toMatchObject({
          traceId,
          parentSpanId: e.parentSpanId,
          name: s.name,
          kind: s.kind + 1,
          startTimeUnixNano: e.startTimeUnixNano,
          endTimeUnixNano: e.endTimeUnixNano,
        });
        expect(o.status.code ?? 0).toBe(s.status.code);
        expect(Object.fromEntries(o.attributes.map((a: any) => [a.key, a.value]))).toEqual(
          Object.fromEntries(Object.entries(e.attributes).map(([k, v]) => [k, { stringValue: v }])),
        );
        expect((o.events ?? []).map((x: any) => [x.name, x.timeUnixNano])).toEqual(e.events.map((x) => [x.name, x.timeUnixNano]));
      }
    }

    // Search sees both services; the client's call is grouped by its target (server.address:server.port).
    const search = await (await fetch(`${server.uiUrl}/api/traces?service=backend`)).json();
    expect(search.traces.map((t: { traceId: string }) => t.traceId)).toEqual([traceId]);
    expect(search.traces[0]).toMatchObject({ rootService: 'frontend', rootName: 'GET /order', spanCount: 5, services: ['backend', 'frontend'] });
    const ops = await (await fetch(`${server.uiUrl}/api/services/frontend/operations`)).json();
    expect(ops.operations.find((o: { kind: string }) => o.kind === 'client')).toMatchObject({ name: 'POST', callee: 'backend:8081' });
  });

  it('a retried export stores every span once', async () => {
    const { frontend } = await recordTrace();
    expect((await exportZipkin(frontend)).code).toBe(SUCCESS);
    expect((await exportZipkin(frontend)).code).toBe(SUCCESS);
    const body = await (await fetch(`${server.uiUrl}/api/traces/${frontend[0].spanContext().traceId}`)).json();
    expect(body.spans).toHaveLength(frontend.length);
  });
});
