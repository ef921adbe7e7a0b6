// Store insert throughput: SqliteSpanWriter (spans + all summaries) against a raw prepared INSERT of the same
// rows into the same spans table and indexes (no summaries, no resource/scope lookups), interleaved batch by
// batch so machine noise hits both alike. SDK-shaped rows as in performance.md: 50-span traces, 20 services,
// ~320 B of span attribute JSON, one 20-attribute resource per service, each trace spread over 5 batches
// with its root last (SDKs export spans as they end). A PASSIVE checkpoint runs every second (--checkpoint-ms)
// on each db, as the server's timer would, and is counted in that db's time.
//   npx tsc -p tsconfig.build.json && node bench/insert.js [--spans 500000] [--batch 5000] [--out data/bench] [--checkpoint-ms 1000]
// Leaves <out>/writer.db for bench/query.js.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { migrate, migrationsDir } from '../dist/store/migrate.js';
import { checkpoint, openDatabase } from '../dist/store/open.js';
import { SqliteSpanWriter } from '../dist/store/writer.js';

const { values: args } = parseArgs({
  options: {
    spans: { type: 'string', default: '500000' },
    batch: { type: 'string', default: '5000' },
    out: { type: 'string', default: 'data/bench' },
    'checkpoint-ms': { type: 'string', default: '1000' },
  },
});
const TOTAL = Number(args.spans);
const BATCH = Number(args.batch);
const SPANS_PER_TRACE = 50;
const BATCHES_PER_TRACE = 5;
const SERVICES = 20;
const CHECKPOINT_MS = Number(args['checkpoint-ms']);
const MS = 1_000_000n;

/** xorshift32: the same rows on every run. */
let seed = 0x9e3779b9;
function rnd() {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
}
const hex = (digits) => Array.from({ length: digits }, () => ((rnd() * 16) | 0).toString(16)).join('');
/** Log-normal around 2 ms, like performance.md's generator. */
function durationNs() {
  const z = Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
  return BigInt(Math.max(1000, Math.round(2e6 * Math.exp(1.1 * z))));
}

function makeResource(i) {
  const name = `service-${String(i).padStart(2, '0')}`;
  const attrs = {
    'service.name': name, 'service.version': `1.${i}.0`, 'service.namespace': 'shop',
    'service.instance.id': `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`, 'deployment.environment.name': 'production',
    'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '2.12.1',
    'host.name': `ip-10-0-${i}-34.ec2.internal`, 'host.arch': 'amd64', 'os.type': 'linux', 'process.pid': 40000 + i,
    'process.runtime.name': 'nodejs', 'process.runtime.version': '20.19.0', 'process.command': '/app/dist/main.js',
    'process.executable.name': 'node', 'cloud.provider': 'aws', 'cloud.region': 'eu-west-1', 'container.id': hex(64),
    'k8s.pod.name': `${name}-7d9f8b6c5-${hex(5)}`, 'k8s.namespace.name': 'shop', 'k8s.node.name': `node-${i % 4}`,
  }; // prettier-ignore
  return { serviceName: name, attributes: JSON.stringify(attrs), droppedAttributesCount: 0 };
}
const RESOURCES = Array.from({ length: SERVICES }, (_, i) => makeResource(i));
const SCOPES = ['http', 'express', 'pg'].map((n) => ({
  name: `@opentelemetry/instrumentation-${n}`, version: '0.57.0', attributes: '{}', droppedAttributesCount: 0,
})); // prettier-ignore

/** ~320 B of attributes on average: http server spans are large, middleware small, pg in between. */
function spanShape(i, route) {
  if (i === 0 || i % 10 === 0) {
    const status = rnd() < 0.02 ? 500 : 200;
    const attributes = JSON.stringify({
      'http.request.method': 'GET', 'url.path': route.replace(':id', String((rnd() * 1e5) | 0)), 'url.scheme': 'http',
      'http.route': route, 'http.response.status_code': status, 'server.address': 'shop.internal', 'server.port': 8080,
      'client.address': `10.1.${(rnd() * 255) | 0}.${(rnd() * 255) | 0}`, 'network.protocol.version': '1.1',
      'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
      'url.query': `page=${(rnd() * 20) | 0}&sort=price&order=desc`, 'http.request.body.size': 0,
      'http.response.body.size': (rnd() * 20000) | 0, 'network.peer.address': '10.0.3.17', 'network.peer.port': 51234,
      'network.transport': 'tcp', 'http.request.header.x-request-id': [hex(32)], 'url.full': `http://shop.internal:8080${route}`,
    }); // prettier-ignore
    return { name: `GET ${route}`, kind: 2, scope: SCOPES[0], attributes, error: status === 500 };
  }
  if (i % 3 === 0) {
    const attributes = JSON.stringify({
      'db.system': 'postgresql', 'db.namespace': 'shop', 'server.address': 'pg-main.internal', 'server.port': 5432,
      'db.query.text': 'SELECT i.id, i.name, i.price, i.stock, i.updated_at, c.name AS category FROM items i JOIN categories c ON c.id = i.category_id WHERE i.id = $1 AND i.tenant_id = $2',
      'db.operation.name': 'SELECT', 'db.user': 'app', 'db.collection.name': 'items', 'network.peer.address': '10.0.9.4',
      'network.peer.port': 5432,
    }); // prettier-ignore
    return { name: 'pg.query:SELECT shop', kind: 3, scope: SCOPES[2], attributes, error: false };
  }
  const mw = ['query', 'expressInit', 'jsonParser', 'corsMiddleware', 'router'][i % 5];
  const attributes = JSON.stringify({
    'express.name': mw, 'express.type': 'middleware', 'http.route': route, 'http.request.method': 'GET',
    'code.function': mw, 'code.filepath': `/app/node_modules/express/lib/middleware/${mw}.js`,
  }); // prettier-ignore
  return { name: `middleware - ${mw}`, kind: 1, scope: SCOPES[1], attributes, error: false };
}

/** One trace's 50 records in export order (children before the root), over 1–4 services. */
function makeTrace(t, startNs) {
  const traceId = hex(32);
  const entry = t % SERVICES;
  const route = `/api/v1/${['items', 'cart', 'orders', 'users'][t % 4]}/:id`;
  const services = [entry, (entry + 1) % SERVICES, (entry + 7) % SERVICES, (entry + 13) % SERVICES];
  const records = [];
  let end = startNs;
  for (let i = 0; i < SPANS_PER_TRACE; i++) {
    const shape = spanShape(i, route);
    const start = i === 0 ? startNs : startNs + BigInt(i) * 50_000n;
    const stop = start + durationNs();
    if (stop > end) end = stop;
    records.push({
      traceId, spanId: hex(16), parentSpanId: i === 0 ? '' : records[Math.floor((i - 1) / 3)].spanId,
      traceState: '', flags: 1, name: shape.name, kind: shape.kind, startTimeUnixNano: start, endTimeUnixNano: stop,
      attributes: shape.attributes, droppedAttributesCount: 0, events: '[]', droppedEventsCount: 0, links: '[]',
      droppedLinksCount: 0, statusCode: shape.error ? 2 : 0, statusMessage: '',
      resource: RESOURCES[services[i === 0 ? 0 : i % services.length]], scope: shape.scope,
    }); // prettier-ignore
  }
  records[0].endTimeUnixNano = end + MS;
  return records.reverse();
}

/** Groups of traces, each emitted over BATCHES_PER_TRACE batches of BATCH spans. */
function* batches() {
  const tracesPerGroup = (BATCH / SPANS_PER_TRACE) * BATCHES_PER_TRACE;
  const perBatch = SPANS_PER_TRACE / BATCHES_PER_TRACE;
  let t = 0;
  const t0 = 1_760_000_000_000n * MS;
  for (let emitted = 0; emitted < TOTAL; ) {
    const group = Array.from({ length: tracesPerGroup }, () => makeTrace(t, t0 + BigInt(t++) * 2n * MS));
    for (let b = 0; b < BATCHES_PER_TRACE && emitted < TOTAL; b++) {
      const batch = group.flatMap((records) => records.slice(b * perBatch, (b + 1) * perBatch));
      emitted += batch.length;
      yield batch;
    }
  }
}

function fresh(file) {
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
  const db = openDatabase(file);
  migrate(db, migrationsDir());
  return db;
}

function rawInserter(db) {
  const insert = db.prepare(`INSERT OR IGNORE INTO spans (trace_id, span_id, parent_span_id, service, name, kind,
    start_ns, end_ns, duration_ns, status_code, status_message, trace_state, flags, attributes, events, links,
    dropped_attributes_count, dropped_events_count, dropped_links_count, resource_id, scope_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  return db.transaction((records) => {
    for (const r of records) {
      const d = r.endTimeUnixNano - r.startTimeUnixNano;
      insert.run(
        r.traceId, r.spanId, r.parentSpanId, r.resource.serviceName, r.name, r.kind, r.startTimeUnixNano,
        r.endTimeUnixNano, d > 0n ? d : 0n, r.statusCode, r.statusMessage, r.traceState, r.flags, r.attributes,
        r.events, r.links, r.droppedAttributesCount, r.droppedEventsCount, r.droppedLinksCount, 1, 1,
      ); // prettier-ignore
    }
  });
}

/** Times fn() plus, every CHECKPOINT_MS, a PASSIVE checkpoint of db (the server's timer). */
function timed(state, db, fn) {
  const t = performance.now();
  fn();
  if (t - state.lastCheckpoint > CHECKPOINT_MS) {
    const c = performance.now();
    checkpoint(db);
    state.lastCheckpoint = performance.now();
    state.checkpoints.push(state.lastCheckpoint - c);
  }
  const ms = performance.now() - t;
  state.total += ms;
  state.batches.push(ms);
}

function bytesPerSpan(db, file, spans) {
  db.pragma('wal_checkpoint(TRUNCATE)');
  return (fs.statSync(file).size / spans).toFixed(0);
}

const pct = (xs, q) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];

function main() {
  fs.mkdirSync(args.out, { recursive: true });
  const writerFile = path.join(args.out, 'writer.db');
  const rawFile = path.join(args.out, 'raw.db');
  const wdb = fresh(writerFile);
  const rdb = fresh(rawFile);
  const writer = new SqliteSpanWriter(wdb);
  const raw = rawInserter(rdb);
  const w = { total: 0, batches: [], checkpoints: [], lastCheckpoint: performance.now() };
  const r = { total: 0, batches: [], checkpoints: [], lastCheckpoint: performance.now() };
  let spans = 0;
  let attrBytes = 0;
  for (const batch of batches()) {
    for (const rec of batch) attrBytes += rec.attributes.length;
    // Alternate which goes first so neither always runs right after the generator's allocations.
    const first = spans % (2 * BATCH) === 0;
    if (first) timed(w, wdb, () => writer.writeSpans(batch));
    timed(r, rdb, () => raw(batch));
    if (!first) timed(w, wdb, () => writer.writeSpans(batch));
    spans += batch.length;
  }
  const rate = (s) => Math.round(spans / (s.total / 1000));
  console.log(`${spans} spans in batches of ${BATCH}; span attributes ${(attrBytes / spans).toFixed(0)} B/span avg`);
  console.log(`SqliteSpanWriter: ${rate(w)} spans/s (batch p50 ${pct(w.batches, 0.5).toFixed(1)} ms, p99 ${pct(w.batches, 0.99).toFixed(1)} ms), ${bytesPerSpan(wdb, writerFile, spans)} B/span on disk`);
  console.log(`raw INSERT:       ${rate(r)} spans/s (batch p50 ${pct(r.batches, 0.5).toFixed(1)} ms, p99 ${pct(r.batches, 0.99).toFixed(1)} ms), ${bytesPerSpan(rdb, rawFile, spans)} B/span on disk`);
  console.log(`writer / raw:     ${(rate(w) / rate(r)).toFixed(2)}`);
  const cp = (s) => `${s.checkpoints.length} checkpoints, ${s.checkpoints.reduce((a, b) => a + b, 0).toFixed(0)} ms total, max ${Math.max(0, ...s.checkpoints).toFixed(0)} ms`;
  console.log(`PASSIVE checkpoints (in the times above): writer ${cp(w)}; raw ${cp(r)}`);
  wdb.close();
  rdb.close();
}

main();
