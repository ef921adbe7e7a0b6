// OTLP decode throughput for SDK-shaped batches: 512 HTTP server spans (~16 attributes, one event on
// a few) under a resource with ~20 attributes, encoded by the real otlp-transformer serializers.
// Runs against the compiled decoders: `npx tsc -p tsconfig.build.json && node bench/decode.js`.
// Prints the median of 3 runs of ~3 s each, after a warm-up; BENCH_MS changes the run length.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { decodeJsonRequest } from '../dist/ingest/otlp-json.js';
import { decodeProtobufRequest } from '../dist/ingest/otlp-proto.js';

const BATCH = 512;
const RUN_MS = Number(process.env.BENCH_MS ?? 3000);

function resourceAttributes() {
  const attrs = {
    'service.name': 'checkout-service',
    'service.version': '2.14.1',
    'service.namespace': 'shop',
    'service.instance.id': '3b8c1f0e-9a7d-4c57-8a51-6f1e0a7b2c44',
    'deployment.environment.name': 'production',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.version': '2.12.1',
    'host.name': 'ip-10-0-12-34.ec2.internal',
    'host.arch': 'amd64',
    'os.type': 'linux',
    'process.pid': 41234,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': '20.19.0',
    'process.command': '/app/dist/main.js',
    'process.executable.name': 'node',
    'cloud.provider': 'aws',
    'cloud.region': 'eu-west-1',
    'container.id': 'f3e0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e',
    'k8s.pod.name': 'checkout-7d9f8b6c5-x2x9z',
  };
  return attrs;
}

/** `attributeCount` of the 16 HTTP server attributes below (6 gives ~330 B/span, as in performance.md). */
function httpServerSpans(attributeCount) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resourceAttributes()),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.223.0');
  for (let i = 0; i < BATCH; i++) {
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: (i + 1).toString(16).padStart(32, 'a'),
      spanId: (i + 1).toString(16).padStart(16, 'b'),
      traceFlags: 1,
      isRemote: true,
    });
    const span = tracer.startSpan(
      'GET /api/cart/:id',
      {
        kind: SpanKind.SERVER,
        attributes: firstEntries(attributeCount, {
          'http.request.method': 'GET',
          'http.route': '/api/cart/:id',
          'url.path': `/api/cart/${1000 + i}`,
          'url.query': 'expand=items&currency=EUR',
          'url.scheme': 'https',
          'http.response.status_code': i % 50 === 0 ? 500 : 200,
          'network.protocol.version': '1.1',
          'network.peer.address': '10.0.3.17',
          'network.peer.port': 51234 + (i % 1000),
          'server.address': 'shop.example.com',
          'server.port': 443,
          'client.address': '203.0.113.7',
          'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0',
          'http.request.body.size': 0,
          'http.response.body.size': 1843 + i,
          'app.cart.items': 3,
        }),
      },
      parent,
    );
    if (i % 50 === 0) {
      span.addEvent('exception', { 'exception.type': 'TypeError', 'exception.message': 'x is undefined' });
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  }
  return exporter.getFinishedSpans();
}

function firstEntries(n, o) {
  return Object.fromEntries(Object.entries(o).slice(0, n));
}

function measure(decode, body) {
  const t0 = process.hrtime.bigint();
  let batches = 0;
  let elapsed = 0;
  do {
    for (let i = 0; i < 20; i++) decode(body);
    batches += 20;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  } while (elapsed < RUN_MS);
  return { spansPerSec: (batches * BATCH * 1000) / elapsed, mbPerSec: (batches * body.length * 1000) / elapsed / 1e6 };
}

function bench(name, decode, body) {
  const check = decode(body);
  if (check.spans.length !== BATCH) throw new Error(`${name}: decoded ${check.spans.length} spans`);
  measure(decode, body); // warm-up: let the JIT settle
  const runs = [0, 1, 2].map(() => measure(decode, body)).sort((a, b) => a.spansPerSec - b.spansPerSec);
  const m = runs[1];
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  console.log(
    `${name.padEnd(24)} ${fmt(m.spansPerSec).padStart(9)} spans/s  ${m.mbPerSec.toFixed(0).padStart(4)} MB/s  ` +
      `(${(body.length / BATCH).toFixed(0)} B/span; runs ${runs.map((r) => fmt(r.spansPerSec)).join(' / ')})`,
  );
}

const only = process.env.BENCH_ONLY; // 'protobuf' or 'JSON', e.g. for profiling one decoder
console.log(`node ${process.version}, batches of ${BATCH} spans, ~${RUN_MS} ms per run`);
for (const attributeCount of [16, 6]) {
  const spans = httpServerSpans(attributeCount);
  const protobuf = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans));
  const json = Buffer.from(JsonTraceSerializer.serializeRequest(spans));
  console.log(`-- HTTP server spans with ${attributeCount} attributes, resource with 20`);
  if (!only || only === 'protobuf') bench('protobuf', decodeProtobufRequest, protobuf);
  if (!only || only === 'JSON') bench('JSON', decodeJsonRequest, json);
  if (!only) bench('JSON.parse only (floor)', (b) => ({ spans: JSON.parse(b.toString()).resourceSpans[0].scopeSpans[0].spans }), json);
}
