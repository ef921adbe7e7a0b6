// Large traces for the read benchmarks, made with the SDK like bench/workload.js: an import endpoint of `orders`
// that calls `inventory` once per item, sequentially, and inventory runs a few queries per call:
//   orders  POST /api/orders/import (SERVER) → request handler (INTERNAL) → POST (CLIENT) × items
//   inventory POST /api/items/reserve (SERVER) → pg.query:UPDATE shop (CLIENT) × per item
// The spans are exported as the SDK's batch processor would: in end order, 512 per request (both resources).
import { SpanKind, SpanStatusCode, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BATCH } from './workload.js';

function provider(service, exporter) {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': service, 'service.version': '2.14.3', 'service.namespace': 'shop',
      'deployment.environment.name': 'production', 'host.name': `${service}-7d9f8c6b5-x2x9z`, 'host.arch': 'amd64',
      'os.type': 'linux', 'process.runtime.name': 'nodejs', 'process.runtime.version': '20.20.2',
      'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '2.12.0',
    }), // prettier-ignore
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
}

const SQL = 'UPDATE stock SET reserved = reserved + $2 WHERE sku = $1 AND reserved + $2 <= on_hand';

/**
 * One trace of exactly `spanCount` spans (≥ 4) starting at `startMs` (epoch ms), as export requests
 * ({ protobuf: { buf }, spans }) and its trace ID.
 */
export function bigTrace(spanCount, startMs) {
  const exporter = new InMemorySpanExporter();
  const orders = provider('orders', exporter);
  const inventory = provider('inventory', exporter);
  const http = orders.getTracer('@opentelemetry/instrumentation-http', '0.223.0');
  const express = orders.getTracer('@opentelemetry/instrumentation-express', '0.71.1');
  const undici = orders.getTracer('@opentelemetry/instrumentation-undici', '0.22.0');
  const invHttp = inventory.getTracer('@opentelemetry/instrumentation-http', '0.223.0');
  const pg = inventory.getTracer('@opentelemetry/instrumentation-pg', '0.64.0');
  const at = (ms) => {
    const total = startMs + ms;
    const seconds = Math.floor(total / 1000);
    return [seconds, Math.min(999_999_999, Math.round((total - seconds * 1000) * 1e6))];
  };
  const root = http.startSpan('POST /api/orders/import', {
    kind: SpanKind.SERVER, startTime: at(0),
    attributes: { 'http.request.method': 'POST', 'http.route': '/api/orders/import', 'url.path': '/api/orders/import',
      'url.scheme': 'http', 'server.address': 'orders.shop.svc.cluster.local', 'server.port': 8080,
      'http.response.status_code': 200, 'user_agent.original': 'okhttp/4.12.0' },
  }); // prettier-ignore
  const handler = express.startSpan('request handler - /api/orders/import', {
    kind: SpanKind.INTERNAL, startTime: at(0.1),
    attributes: { 'express.name': '/api/orders/import', 'express.type': 'request_handler', 'http.route': '/api/orders/import' },
  }, trace.setSpan(ROOT_CONTEXT, root)); // prettier-ignore
  const hctx = trace.setSpan(ROOT_CONTEXT, handler);
  const perCall = Math.max(1, Math.round(Math.sqrt(spanCount)) - 2);
  let left = spanCount - 2;
  let t = 0.2;
  for (let item = 0; left >= 2; item++) {
    const sku = `SKU-${10000 + item}`;
    const call = undici.startSpan('POST', {
      kind: SpanKind.CLIENT, startTime: at(t),
      attributes: { 'http.request.method': 'POST', 'url.full': `http://inventory.shop.svc.cluster.local:8080/api/items/reserve?sku=${sku}`,
        'server.address': 'inventory.shop.svc.cluster.local', 'server.port': 8080, 'http.response.status_code': 200 },
    }, hctx); // prettier-ignore
    const served = invHttp.startSpan('POST /api/items/reserve', {
      kind: SpanKind.SERVER, startTime: at(t + 0.05),
      attributes: { 'http.request.method': 'POST', 'http.route': '/api/items/reserve', 'url.path': '/api/items/reserve',
        'server.address': 'inventory.shop.svc.cluster.local', 'server.port': 8080, 'http.response.status_code': 200 },
    }, trace.setSpan(ROOT_CONTEXT, call)); // prettier-ignore
    const sctx = trace.setSpan(ROOT_CONTEXT, served);
    left -= 2;
    // Queries in this call: perCall, or what is left, never leaving a single span over (a call is 2 spans).
    let queries = Math.min(perCall, left);
    if (left - queries === 1) queries++;
    left -= queries;
    let q = t + 0.1;
    for (let k = 0; k < queries; k++) {
      const span = pg.startSpan('pg.query:UPDATE shop', {
        kind: SpanKind.CLIENT, startTime: at(q),
        attributes: { 'db.system.name': 'postgresql', 'db.namespace': 'shop', 'db.query.text': SQL,
          'db.operation.name': 'UPDATE', 'server.address': 'postgres.shop.svc.cluster.local', 'server.port': 5432 },
      }, sctx); // prettier-ignore
      // One failed query that the caller retries (the next one), as real imports have.
      if (item === 3 && k === 0) {
        span.recordException({ name: 'Error', message: 'deadlock detected' }, at(q + 0.2));
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock detected' });
      }
      span.end(at(q + 0.2));
      q += 0.25;
    }
    served.end(at(q));
    call.end(at(q + 0.05));
    t = q + 0.1;
  }
  handler.end(at(t));
  root.end(at(t + 0.1));
  const spans = exporter.getFinishedSpans();
  if (spans.length !== spanCount) throw new Error(`big-traces: made ${spans.length} spans, wanted ${spanCount}`);
  const requests = [];
  for (let i = 0; i < spans.length; i += BATCH) {
    const chunk = spans.slice(i, i + BATCH);
    requests.push({ protobuf: { buf: Buffer.from(ProtobufTraceSerializer.serializeRequest(chunk)) }, spans: chunk.length });
  }
  return { traceId: root.spanContext().traceId, requests };
}
