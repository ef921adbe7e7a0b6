import { spanFailed } from '../../src/model/failure.js';
import type { Attributes } from '../../src/model/span.js';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hrToNs, richTrace } from '../helpers/sdk.js';
import { eventually, startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

const KINDS = ['internal', 'server', 'client', 'producer', 'consumer'];
const STATUS = ['unset', 'ok', 'error'];

/** Sends `richTrace` through `exporter` and keeps the SDK's own copy of the spans to compare with. */
async function sendThrough(exporter: SpanExporter, service: string): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.2.3', 'host.name': 'laptop' }),
    spanProcessors: [new SimpleSpanProcessor(memory), new SimpleSpanProcessor(exporter)],
  });
  richTrace(provider.getTracer('e2e-scope', '9.9.9'));
  await provider.forceFlush();
  const spans = memory.getFinishedSpans(); // shutdown() empties the in-memory exporter
  await provider.shutdown();
  return spans;
}

async function readTrace(traceId: string) {
  return eventually(async () => {
    const res = await fetch(`${server.uiUrl}/api/traces/${traceId}`);
    if (res.status !== 200) return undefined;
    const body = await res.json();
    return body.spans.length === 3 ? body : undefined;
  });
}

function expectSameSpans(api: { spans: any[] }, sdk: ReadableSpan[], service: string) {
  for (const s of sdk) {
    const got = api.spans.find((x) => x.spanId === s.spanContext().spanId);
    expect(got, s.name).toBeDefined();
    expect(got).toEqual({
      traceId: s.spanContext().traceId,
      spanId: s.spanContext().spanId,
      parentSpanId: s.parentSpanContext?.spanId ?? '',
      name: s.name,
      kind: KINDS[s.kind],
      service,
      startTimeUnixNano: String(hrToNs(s.startTime)),
      endTimeUnixNano: String(hrToNs(s.endTime)),
      durationMs: Number(hrToNs(s.endTime) - hrToNs(s.startTime)) / 1e6,
      status: { code: STATUS[s.status.code], message: s.status.message ?? '' },
      error: spanFailed({ kind: s.kind + 1, statusCode: s.status.code, attributes: s.attributes as Attributes }),
      attributes: s.attributes,
      resource: s.resource.attributes,
      scope: { name: 'e2e-scope', version: '9.9.9' },
      events: s.events.map((e) => ({ name: e.name, timeUnixNano: String(hrToNs(e.time)), attributes: e.attributes ?? {} })),
      links: s.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId, attributes: l.attributes ?? {} })),
      traceState: '',
      flags: expect.any(Number),
      droppedAttributesCount: s.droppedAttributesCount,
      droppedEventsCount: s.droppedEventsCount,
      droppedLinksCount: s.droppedLinksCount,
    });
    expect(got.flags & 0xff).toBe(s.spanContext().traceFlags);
  }
}

describe('real OpenTelemetry exporters', () => {
  it.each([
    ['http/protobuf', (url: string) => new HttpProtoExporter({ url })],
    ['http/protobuf + gzip', (url: string) => new HttpProtoExporter({ url, compression: CompressionAlgorithm.GZIP })],
    ['http/json', (url: string) => new HttpJsonExporter({ url })],
    ['http/json + gzip', (url: string) => new HttpJsonExporter({ url, compression: CompressionAlgorithm.GZIP })],
  ])('%s: every field reads back through the API', async (name, make) => {
    const service = `svc-${name.replace(/\W+/g, '-')}`;
    const sdk = await sendThrough(make(`${server.otlpUrl}/v1/traces`), service);
    const traceId = sdk[0].spanContext().traceId;
    expectSameSpans(await readTrace(traceId), sdk, service);

    const search = await (await fetch(`${server.uiUrl}/api/traces?service=${service}`)).json();
    expect(search.traces).toHaveLength(1);
    expect(search.traces[0]).toMatchObject({ traceId, rootService: service, rootName: 'GET /checkout', spanCount: 3, errorCount: 2 });
  });

  it('the exporter reaches the UI port too (one port for everything)', async () => {
    const sdk = await sendThrough(new HttpProtoExporter({ url: `${server.uiUrl}/v1/traces` }), 'via-ui-port');
    await readTrace(sdk[0].spanContext().traceId);
  });
});
