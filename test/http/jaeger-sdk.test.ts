import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hrToNs, richTrace } from '../helpers/sdk.js';
import { eventually, startServer, type TestServer } from '../helpers/server.js';

/**
 * The real OTel JS SDK exporting OTLP/HTTP protobuf to tracelite, read back through /jaeger/api/traces/{id}: each
 * span's Jaeger form, derived here from the SDK's own ReadableSpan by the mapping rules.
 */

let server: TestServer;
let sdk: ReadableSpan[];

beforeAll(async () => {
  server = await startServer({ listen: true });
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'host.name': 'laptop' }),
    spanProcessors: [new SimpleSpanProcessor(memory), new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${server.otlpUrl}/v1/traces` }))],
  });
  richTrace(provider.getTracer('sdk-scope', '9.9.9'));
  await provider.forceFlush();
  sdk = memory.getFinishedSpans();
  await provider.shutdown();
});
afterAll(async () => server.close());

const KIND = [undefined, 'server', 'client', 'producer', 'consumer'];
const us = (t: [number, number]) => Number(hrToNs(t) / 1000n);

it("an SDK-exported trace reads back in Jaeger's model, span for span", async () => {
  const traceId = sdk[0].spanContext().traceId;
  const trace = await eventually(async () => {
    const res = await fetch(`${server.uiUrl}/jaeger/api/traces/${traceId}`);
    const body = res.status === 200 ? await res.json() : undefined;
    return body?.data[0].spans.length === sdk.length ? body.data[0] : undefined;
  });
  expect(trace.processes).toEqual({ p1: { serviceName: 'checkout', tags: expect.arrayContaining([{ key: 'host.name', type: 'string', value: 'laptop' }]) } });
  for (const s of sdk) {
    const got = trace.spans.find((x: any) => x.spanID === s.spanContext().spanId);
    const parent = s.parentSpanContext?.spanId;
    expect(got).toMatchObject({
      traceID: traceId,
      operationName: s.name,
      references: [
        ...(parent ? [{ refType: 'CHILD_OF', traceID: traceId, spanID: parent }] : []),
        ...s.links.map((l) => ({ refType: 'FOLLOWS_FROM', traceID: l.context.traceId, spanID: l.context.spanId })),
      ],
      startTime: us(s.startTime),
      duration: Number((hrToNs(s.endTime) - hrToNs(s.startTime)) / 1000n),
      processID: 'p1',
    });
    // OTLP span flags as sent: the W3C trace flags in the low byte, the exporter's HAS_IS_REMOTE bit (0x100) above.
    expect(got.flags & 0xff).toBe(s.spanContext().traceFlags);
    expect(got.flags & 0x100).toBe(0x100);
    const tags = Object.fromEntries(got.tags.map((t: any) => [t.key, [t.type, t.value]]));
    expect(tags['otel.scope.name']).toEqual(['string', 'sdk-scope']);
    expect(tags['otel.scope.version']).toEqual(['string', '9.9.9']);
    expect(tags['span.kind']).toEqual(KIND[s.kind] ? ['string', KIND[s.kind]] : undefined);
    for (const [k, v] of Object.entries(s.attributes)) {
      const type = typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'bool' : Array.isArray(v) ? 'string' : Number.isInteger(v) ? 'int64' : 'float64';
      expect(tags[k], k).toEqual([type, Array.isArray(v) ? JSON.stringify(v) : v]);
    }
    if (s.status.code === 2) expect(tags.error).toEqual(['bool', true]);
    expect(got.logs).toEqual(
      s.events.map((e) => ({
        timestamp: us(e.time),
        fields: [{ key: 'event', type: 'string', value: e.name }, ...Object.entries(e.attributes ?? {}).map(([key, value]) => expect.objectContaining({ key, value }))],
      })),
    );
  }
});
