// Realistic OTLP export requests, made by the OpenTelemetry SDK's own serializers: what auto-instrumented Node
// services send. One request = one service's batch of 512 spans (one resource of 16 attributes, several
// instrumentation scopes). Traces of 8–12 spans: an HTTP SERVER root, three Express middleware spans and a
// request-handler span, then pg / redis / HTTP CLIENT children; 8–13 attributes per span; 8 % of traces fail
// with an exception event carrying a stack trace. ~425 B/span in protobuf.
//
// Also the light workload the bench has always had (3–6 attributes, 7 resource attributes), for comparison.
import { SpanKind, SpanStatusCode, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

export const BATCH = 512;

/** A deterministic PRNG, so every run sends the same traffic. */
export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const SERVICES = ['frontend', 'checkout', 'payments', 'inventory', 'users', 'search', 'orders', 'shipping'];
const ROUTES = ['/api/orders/:id', '/api/cart', '/api/users/:id/profile', '/api/search', '/api/items/:sku', '/checkout', '/health'];
const UAS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'okhttp/4.12.0',
  'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
];
const SQL = [
  'SELECT id, status, total_cents, created_at FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20',
  'SELECT sku, name, price_cents, stock FROM items WHERE sku = ANY($1)',
  'UPDATE carts SET updated_at = now(), items = $2 WHERE id = $1',
  'INSERT INTO audit_log (actor, action, payload) VALUES ($1, $2, $3)',
];
const STACK = `Error: connect ECONNREFUSED 10.0.3.17:5432
    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1607:16)
    at Client._handleErrorEvent (/app/node_modules/pg/lib/client.js:350:19)
    at Connection.emit (node:events:519:28)
    at /app/src/db/pool.js:41:13
    at async OrderRepository.findForCustomer (/app/src/orders/repository.js:88:22)
    at async handler (/app/src/orders/routes.js:27:18)`;

function resource(service, r) {
  return resourceFromAttributes({
    'service.name': service,
    'service.version': '2.14.3',
    'service.namespace': 'shop',
    'service.instance.id': `${service}-7d9f8c6b5-${Math.floor(r() * 1e5)}`,
    'deployment.environment.name': 'production',
    'host.name': `ip-10-0-${Math.floor(r() * 8)}-${Math.floor(r() * 250)}.ec2.internal`,
    'host.arch': 'amd64',
    'os.type': 'linux',
    'os.version': '6.1.0-27-cloud-amd64',
    'process.pid': 1 + Math.floor(r() * 30000),
    'process.runtime.name': 'nodejs',
    'process.runtime.version': '20.20.2',
    'process.executable.name': 'node',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.version': '2.12.0',
  });
}

const pick = (r, xs) => xs[Math.floor(r() * xs.length)];

/** One trace portion of one service, through the SDK: it makes real spans (IDs, times, parents). */
function realisticTrace(tracers, r, service) {
  const route = pick(r, ROUTES);
  const failed = r() < 0.08;
  const id = Math.floor(r() * 100000);
  const path = route.replace(/:\w+/g, String(id));
  const t0 = Date.now() * 1e6;
  const at = (ms) => [Math.floor((t0 + ms * 1e6) / 1e9), Math.floor((t0 + ms * 1e6) % 1e9)];
  const total = 5 + r() * 120;
  const root = tracers.http.startSpan(`GET ${route}`, {
    kind: SpanKind.SERVER,
    startTime: at(0),
    attributes: {
      'http.request.method': 'GET', 'http.route': route, 'url.path': path, 'url.scheme': 'http',
      'server.address': `${service}.shop.svc.cluster.local`, 'server.port': 8080, 'network.peer.address': `10.0.1.${Math.floor(r() * 250)}`,
      'network.peer.port': 30000 + Math.floor(r() * 30000), 'network.protocol.version': '1.1', 'user_agent.original': pick(r, UAS),
      'http.response.status_code': failed ? 500 : 200, 'client.address': `10.0.1.${Math.floor(r() * 250)}`,
    },
  });
  const rootCtx = trace.setSpan(ROOT_CONTEXT, root);
  for (const [i, mw] of ['query', 'expressInit', 'jsonParser'].entries()) {
    tracers.express.startSpan(`middleware - ${mw}`, {
      kind: SpanKind.INTERNAL, startTime: at(0.05 * i),
      attributes: { 'express.name': mw, 'express.type': 'middleware', 'http.route': '/' },
    }, rootCtx).end(at(0.05 * i + 0.03));
  }
  const handler = tracers.express.startSpan(`request handler - ${route}`, {
    kind: SpanKind.INTERNAL, startTime: at(0.2),
    attributes: { 'express.name': route, 'express.type': 'request_handler', 'http.route': route },
  }, rootCtx);
  const hctx = trace.setSpan(ROOT_CONTEXT, handler);
  const children = 3 + Math.floor(r() * 5);
  let t = 0.3;
  for (let c = 0; c < children; c++) {
    const d = 0.5 + r() * (total / children);
    const kind = pick(r, ['pg', 'pg', 'redis', 'http']);
    let span;
    if (kind === 'pg') {
      const sql = pick(r, SQL);
      span = tracers.pg.startSpan(`pg.query:${sql.split(' ')[0]} shop`, {
        kind: SpanKind.CLIENT, startTime: at(t),
        attributes: { 'db.system.name': 'postgresql', 'db.namespace': 'shop', 'db.query.text': sql, 'db.operation.name': sql.split(' ')[0],
          'server.address': 'postgres.shop.svc.cluster.local', 'server.port': 5432, 'db.user': 'shop_app', 'network.peer.address': '10.0.3.17',
          'network.peer.port': 5432 },
      }, hctx);
    } else if (kind === 'redis') {
      span = tracers.redis.startSpan('redis-GET', {
        kind: SpanKind.CLIENT, startTime: at(t),
        attributes: { 'db.system.name': 'redis', 'db.query.text': `GET session:${Math.floor(r() * 1e9).toString(16)}`, 'db.operation.name': 'GET',
          'server.address': 'redis.shop.svc.cluster.local', 'server.port': 6379, 'network.peer.address': '10.0.3.22', 'network.peer.port': 6379,
          'db.namespace': '0' },
      }, hctx);
    } else {
      const peer = pick(r, SERVICES);
      span = tracers.undici.startSpan('GET', {
        kind: SpanKind.CLIENT, startTime: at(t),
        attributes: { 'http.request.method': 'GET', 'url.full': `http://${peer}.shop.svc.cluster.local:8080/api/items/${Math.floor(r() * 1e5)}`,
          'url.path': `/api/items/${Math.floor(r() * 1e5)}`, 'url.scheme': 'http', 'server.address': `${peer}.shop.svc.cluster.local`,
          'server.port': 8080, 'network.peer.address': `10.0.2.${Math.floor(r() * 250)}`, 'network.peer.port': 8080,
          'http.response.status_code': 200, 'user_agent.original': 'node' },
      }, hctx);
    }
    if (failed && c === children - 1) {
      span.recordException({ name: 'Error', message: 'connect ECONNREFUSED 10.0.3.17:5432', stack: STACK }, at(t + d));
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'connect ECONNREFUSED 10.0.3.17:5432' });
    }
    span.end(at(t + d));
    t += d;
  }
  if (failed) {
    handler.recordException({ name: 'Error', message: 'connect ECONNREFUSED 10.0.3.17:5432', stack: STACK }, at(t));
    handler.setStatus({ code: SpanStatusCode.ERROR, message: 'connect ECONNREFUSED 10.0.3.17:5432' });
    root.setStatus({ code: SpanStatusCode.ERROR });
  }
  handler.end(at(t + 0.1));
  root.end(at(t + 0.3));
  return 5 + children;
}

/** The bench's original light traces: a server root and 7 db/http children with 3–6 attributes. */
function lightTrace(tracers, r, _service) {
  const root = tracers.http.startSpan('GET /api/orders/:id', {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'GET', 'http.route': '/api/orders/:id', 'url.path': `/api/orders/${Math.floor(r() * 1e4)}`,
      'http.response.status_code': r() < 0.025 ? 500 : 200, 'server.address': 'localhost', 'server.port': 8080 },
  });
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  for (let c = 1; c < 8; c++) {
    const db = c % 2 === 1;
    tracers.http.startSpan(db ? 'SELECT orders' : 'POST', {
      kind: SpanKind.CLIENT,
      attributes: db
        ? { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM orders WHERE id = $1', 'db.namespace': 'shop' }
        : { 'http.request.method': 'POST', 'url.full': 'http://payments:8080/charge', 'server.address': 'payments', 'server.port': 8080 },
    }, ctx).end();
  }
  root.end();
  return 8;
}

function lightResource(service) {
  return resourceFromAttributes({
    'service.name': service, 'service.version': '1.4.2', 'host.name': 'laptop', 'process.pid': 4242,
    'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '2.12.0',
  });
}

/**
 * `count` requests of `BATCH` spans each, as SDK-serialized protobuf and JSON bodies, plus where each trace ID
 * sits in them (so every send can be given unique trace IDs: see `fresh`).
 */
export function makeRequests(kind, count, seed = 1) {
  const r = rng(seed);
  const out = [];
  for (let p = 0; p < count; p++) {
    const service = SERVICES[p % SERVICES.length];
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: kind === 'realistic' ? resource(service, r) : lightResource(service),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracers = {
      http: provider.getTracer('@opentelemetry/instrumentation-http', '0.223.0'),
      express: provider.getTracer('@opentelemetry/instrumentation-express', '0.71.1'),
      pg: provider.getTracer('@opentelemetry/instrumentation-pg', '0.64.0'),
      redis: provider.getTracer('@opentelemetry/instrumentation-redis', '0.60.0'),
      undici: provider.getTracer('@opentelemetry/instrumentation-undici', '0.22.0'),
    };
    const make = kind === 'realistic' ? realisticTrace : lightTrace;
    while (exporter.getFinishedSpans().length < BATCH) make(tracers, r, service);
    const spans = exporter.getFinishedSpans().slice(0, BATCH);
    const traceIds = [...new Set(spans.map((s) => s.spanContext().traceId))];
    const protobuf = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans));
    const json = Buffer.from(JsonTraceSerializer.serializeRequest(spans));
    out.push({ protobuf: withOffsets(protobuf, traceIds, 'hex'), json: withOffsets(json, traceIds, 'text'), spans: spans.length });
  }
  return out;
}

function withOffsets(buf, traceIds, how) {
  const offsets = [];
  for (const id of traceIds) {
    const needle = how === 'hex' ? Buffer.from(id, 'hex') : Buffer.from(id);
    for (let at = buf.indexOf(needle); at !== -1; at = buf.indexOf(needle, at + 1)) offsets.push(at);
  }
  return { buf, offsets, how };
}

/** A copy of the body whose trace IDs are unique to this send (the ID's first 4 bytes = the send number). */
export function fresh(body, sendNumber) {
  const copy = Buffer.from(body.buf);
  if (body.how === 'hex') {
    for (const at of body.offsets) copy.writeUInt32BE(sendNumber, at);
  } else {
    const hex = (sendNumber >>> 0).toString(16).padStart(8, '0');
    for (const at of body.offsets) copy.write(hex, at, 'latin1');
  }
  return copy;
}
