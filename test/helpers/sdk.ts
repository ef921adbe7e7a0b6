import { SpanKind, SpanStatusCode, context, trace, type Span as ApiSpan } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  BatchSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** A small but rich trace made by the real SDK: server → client → db, with events, links and an error. */
export function richTrace(tracer: ReturnType<BasicTracerProvider['getTracer']>): void {
  const root = tracer.startSpan('GET /checkout', {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'GET', 'http.route': '/checkout', 'http.response.status_code': 502 },
  });
  const ctx = trace.setSpan(context.active(), root);
  const client: ApiSpan = tracer.startSpan(
    'POST',
    {
      kind: SpanKind.CLIENT,
      attributes: { 'server.address': 'payments', 'server.port': 8080, ratio: 0.25, retried: true, tags: ['a', 'b'] },
      links: [{ context: { traceId: 'f'.repeat(32), spanId: 'e'.repeat(16), traceFlags: 1 }, attributes: { why: 'batch' } }],
    },
    ctx,
  );
  client.addEvent('retry', { attempt: 2 });
  client.recordException(new TypeError('socket hang up'));
  client.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream failed' });
  client.end();
  const db = tracer.startSpan('SELECT orders', { kind: SpanKind.INTERNAL, attributes: { 'db.system.name': 'sqlite', n: -42 } }, ctx);
  db.end();
  root.setStatus({ code: SpanStatusCode.ERROR });
  root.end();
}

export function providerWith(exporter: SpanExporter, service: string, batch = false): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.2.3', 'host.name': 'laptop' }),
    spanProcessors: [batch ? new BatchSpanProcessor(exporter) : new SimpleSpanProcessor(exporter)],
  });
}

/** The SDK's own ReadableSpans for `richTrace`, to serialize with otlp-transformer. */
export async function recordRichTrace(service = 'checkout'): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = providerWith(exporter, service);
  richTrace(provider.getTracer('test-scope', '0.0.1'));
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}

export function hrToNs(t: [number, number]): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}
