// Zipkin v2 JSON decode throughput (src/ingest/zipkin-json.ts: parse + check, map to OTLP/JSON, the OTLP/JSON
// decoder) beside the OTLP/JSON decoder alone on the very request the mapping makes, to see what the route through
// OTLP/JSON costs. Spans shaped like the OTel Zipkin exporter's: 8 attributes, the resource flattened into 5 tags,
// status tags on every tenth, an annotation on every fifth.
// `npx tsc -p tsconfig.build.json && node bench/zipkin-decode.js` (BENCH_MS per run, default 2000).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, process.env.TRACELITE_DIST ?? '../dist');
const load = (p) => import(pathToFileURL(path.join(dist, p)).href);
const { decodeZipkinJson, parseZipkinJson } = await load('ingest/zipkin-json.js');
const { zipkinToOtlpRequest } = await load('ingest/zipkin-map.js');
const { decodeJsonRequest } = await load('ingest/otlp-json.js');

const RUN_MS = Number(process.env.BENCH_MS ?? 2000);
const BATCH = 500;
const hex = (n, len) => n.toString(16).padStart(len, '0');

function body(r) {
  const spans = [];
  for (let i = 0; i < BATCH; i++) {
    const t = Math.floor(i / 10);
    spans.push({
      traceId: hex(r * 1e6 + t + 1, 32),
      id: hex(r * 1e6 + i + 1, 16),
      parentId: i % 10 === 0 ? undefined : hex(r * 1e6 + t * 10 + 1, 16),
      name: i % 10 === 0 ? 'GET /api/orders/:id' : 'SELECT orders',
      kind: i % 10 === 0 ? 'SERVER' : 'CLIENT',
      timestamp: 1_764_000_000_000_000 + i * 37,
      duration: 1200 + i,
      localEndpoint: { serviceName: `svc-${r % 3}` },
      remoteEndpoint: i % 10 === 0 ? undefined : { serviceName: 'postgres', ipv4: '10.0.0.9', port: 5432 },
      annotations: i % 5 === 0 ? [{ timestamp: 1_764_000_000_000_100 + i * 37, value: 'cache miss' }] : undefined,
      tags: {
        'http.request.method': 'GET',
        'http.route': '/api/orders/:id',
        'http.response.status_code': '200',
        'url.path': `/api/orders/${i}`,
        'db.system.name': 'postgresql',
        'db.query.text': 'SELECT * FROM orders WHERE id = $1',
        'server.address': 'db.internal',
        'network.peer.port': '5432',
        ...(i % 10 === 3 ? { 'otel.status_code': 'ERROR', error: 'connection reset' } : {}),
        'service.name': `svc-${r % 3}`,
        'service.version': '1.4.2',
        'telemetry.sdk.name': 'opentelemetry',
        'telemetry.sdk.language': 'nodejs',
        'telemetry.sdk.version': '2.12.0',
        'host.name': 'laptop',
      },
    });
  }
  return Buffer.from(JSON.stringify(spans));
}

function measure(run, bodies) {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let n = 0;
  let elapsed = 0;
  do {
    for (const b of bodies) {
      run(b);
      n += BATCH;
    }
    elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  } while (elapsed < RUN_MS);
  const c = process.cpuUsage(c0);
  return { wall: (n * 1000) / elapsed, cpu: (n * 1000 * 1000) / (c.user + c.system) };
}

const fmt = (n) => Math.round(n).toLocaleString('en-US');
function bench(name, run, bodies) {
  measure(run, bodies);
  const runs = [0, 1, 2].map(() => measure(run, bodies)).sort((a, b) => a.wall - b.wall);
  console.log(`  ${name.padEnd(34)} ${fmt(runs[1].wall).padStart(9)} spans/s  ${fmt(runs[1].cpu).padStart(9)} per CPU-s`);
}

const zipkin = Array.from({ length: 8 }, (_, r) => body(r));
const otlp = zipkin.map((b) => Buffer.from(JSON.stringify(zipkinToOtlpRequest(parseZipkinJson(b.toString())).request)));
console.log(`node ${process.version}, 8 requests of ${BATCH} spans (${fmt(zipkin[0].length / BATCH)} B/span Zipkin JSON), ~${RUN_MS} ms per run`);
bench('decodeZipkinJson (whole route)', decodeZipkinJson, zipkin);
bench('  parse + check only', (b) => parseZipkinJson(b.toString()), zipkin);
bench('  + map to OTLP/JSON text', (b) => JSON.stringify(zipkinToOtlpRequest(parseZipkinJson(b.toString())).request), zipkin);
bench('decodeJsonRequest of that OTLP/JSON', decodeJsonRequest, otlp);
