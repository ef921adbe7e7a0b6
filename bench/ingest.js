// End-to-end OTLP/HTTP ingest: tracelite runs as its own process (dist/main.js, temp database), and this
// process posts SDK-serialized protobuf batches of 512 spans over 10 keep-alive connections for BENCH_MS
// (default 10 s), counting spans acknowledged with 200. Every batch holds fresh trace IDs, as in real
// traffic, so nothing is deduplicated away. Run: `npm run build && node bench/ingest.js`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { SpanKind, trace, ROOT_CONTEXT } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

const RUN_MS = Number(process.env.BENCH_MS ?? 10_000);
const CONNECTIONS = 10;
const BATCH = 512;
const PAYLOADS = 120;
const SPANS_PER_TRACE = 8;

/** SDK-shaped traces: an http server root, db and client children, ~6–10 attributes each. */
function makePayloads() {
  const services = ['frontend', 'checkout', 'payments', 'inventory'];
  const out = [];
  for (let p = 0; p < PAYLOADS; p++) {
    const service = services[p % services.length];
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({
        'service.name': service, 'service.version': '1.4.2', 'host.name': 'laptop', 'process.pid': 4242,
        'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '2.12.0',
      }),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.223.0');
    for (let t = 0; t < BATCH / SPANS_PER_TRACE; t++) {
      const root = tracer.startSpan('GET /api/orders/:id', {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': 'GET', 'http.route': '/api/orders/:id', 'url.path': `/api/orders/${t}`,
          'http.response.status_code': t % 40 ? 200 : 500, 'server.address': 'localhost', 'server.port': 8080 },
      });
      const ctx = trace.setSpan(ROOT_CONTEXT, root);
      for (let c = 1; c < SPANS_PER_TRACE; c++) {
        const db = c % 2 === 1;
        tracer.startSpan(db ? 'SELECT orders' : 'POST', {
          kind: db ? SpanKind.CLIENT : SpanKind.CLIENT,
          attributes: db
            ? { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT * FROM orders WHERE id = $1', 'db.namespace': 'shop' }
            : { 'http.request.method': 'POST', 'url.full': 'http://payments:8080/charge', 'server.address': 'payments', 'server.port': 8080 },
        }, ctx).end();
      }
      root.end();
    }
    const spans = exporter.getFinishedSpans();
    const buf = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans));
    // Where each trace ID sits in the bytes, so every send can give the batch fresh trace IDs.
    const offsets = [];
    for (const id of new Set(spans.map((s) => s.spanContext().traceId))) {
      const needle = Buffer.from(id, 'hex');
      for (let at = buf.indexOf(needle); at !== -1; at = buf.indexOf(needle, at + 1)) offsets.push(at);
    }
    out.push({ buf, offsets });
  }
  return out;
}

/** A copy of the payload whose trace IDs are unique to this send (bytes 0–3 of each ID = send number). */
function fresh(payload, sendNumber) {
  const copy = Buffer.from(payload.buf);
  for (const at of payload.offsets) copy.writeUInt32BE(sendNumber, at);
  return copy;
}

async function startTracelite(dir) {
  const child = spawn(process.execPath, ['dist/main.js', '--ui-port', '0', '--otlp-http-port', '0', '--db', path.join(dir, 'b.db')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  for (;;) {
    const m = /OTLP\/HTTP receiver\s+http:\/\/([\d.]+):(\d+)/.exec(out);
    if (m) return { child, port: Number(m[2]) };
    await new Promise((r) => setTimeout(r, 50));
  }
}

function post(agent, port, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: '127.0.0.1', port, path: '/v1/traces', method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const payloads = makePayloads();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracelite-bench-'));
const { child, port } = await startTracelite(dir);
const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
let next = 0;
let okSpans = 0;
let refused = 0;
const latencies = [];
const until = Date.now() + RUN_MS;
const started = Date.now();
await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
  while (Date.now() < until) {
    const n = next++;
    const body = fresh(payloads[n % payloads.length], n);
    const t0 = performance.now();
    const status = await post(agent, port, body);
    latencies.push(performance.now() - t0);
    if (status === 200) okSpans += BATCH;
    else refused++;
  }
}));
const seconds = (Date.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1);
console.log(`ingest (OTLP/HTTP protobuf, ${BATCH}-span requests, ${CONNECTIONS} connections): ` +
  `${Math.round(okSpans / seconds).toLocaleString('en')} spans/s over ${seconds.toFixed(1)} s, ` +
  `${latencies.length} requests, p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, ${refused} refused`);
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
fs.rmSync(dir, { recursive: true, force: true });
