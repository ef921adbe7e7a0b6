// The raw reference: the spans of the same export requests (bench/workload.js, same seed and count as
// bench/ingest.js; decoded by bench/otlp-walk.js, not by tracelite) inserted into a plain better-sqlite3 rowid table
// with a (trace_id) index and one covering (service, start_ns, duration_ns) index, for BENCH_MS. Large
// transactions, lazy checkpoints (WAL, synchronous=NORMAL, wal_autocheckpoint=100000), tracelite's page size, a
// fresh temp file; resources and scopes stored once each. Only the transactions are timed; each send gets unique
// trace IDs as in the ingest runs.
//   node bench/insert.js [--workload light|realistic] [--page-size 4096] [--out results.json]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { DISTINCT_REQUESTS, RUN_MS, WORKLOAD_SEED } from './ingest.js';
import { sendPrefix } from './load.js';
import { walkRequest } from './otlp-walk.js';
import { cpuMeter, dbBytes, probeSchema, tempDir } from './server.js';
import { makeRequests } from './workload.js';

/** Requests per transaction: 20 × 512 = 10,240 rows. */
const REQUESTS_PER_TX = 20;

const SCHEMA = `
  CREATE TABLE resources (id INTEGER PRIMARY KEY, service TEXT NOT NULL, attributes TEXT NOT NULL);
  CREATE TABLE scopes (id INTEGER PRIMARY KEY, name TEXT NOT NULL, version TEXT NOT NULL);
  CREATE TABLE spans (
    trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT NOT NULL, service TEXT NOT NULL,
    name TEXT NOT NULL, kind INTEGER NOT NULL, start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,
    duration_ns INTEGER NOT NULL, status_code INTEGER NOT NULL, status_message TEXT NOT NULL,
    trace_state TEXT NOT NULL, flags INTEGER NOT NULL, attributes TEXT NOT NULL, events TEXT NOT NULL,
    links TEXT NOT NULL, resource_id INTEGER NOT NULL, scope_id INTEGER NOT NULL);
  CREATE INDEX spans_trace ON spans (trace_id);
  CREATE INDEX spans_service_start ON spans (service, start_ns, duration_ns);`;

const json = (x) => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

/** Each span's bound values; `tail` is its trace ID without the 8 hex digits each send rewrites (in row[0]). */
function rowsOf(request, ids) {
  const { rows } = walkRequest(request.protobuf.buf);
  if (rows.length !== request.spans) throw new Error(`otlp-walk: ${rows.length} rows in a ${request.spans}-span request`);
  return rows.map((r) => {
    const res = json(r.resource.attributes);
    if (!ids.resources.has(res)) ids.resources.set(res, [ids.resources.size + 1, r.resource.service]);
    const scope = `${r.scope.name}\0${r.scope.version}`;
    if (!ids.scopes.has(scope)) ids.scopes.set(scope, ids.scopes.size + 1);
    const d = r.endNs - r.startNs;
    return [r.traceId, r.spanId, r.parentSpanId, r.resource.service, r.name, r.kind, r.startNs, r.endNs,
      d > 0n ? d : 0n, r.statusCode, r.statusMessage, r.traceState, r.flags, json(r.attributes), json(r.events),
      json(r.links), ids.resources.get(res)[0], ids.scopes.get(scope)]; // prettier-ignore
  }).map((row) => Object.assign(row, { tail: row[0].slice(8) }));
}

function open(file, pageSize) {
  const db = new Database(file);
  db.pragma(`page_size = ${pageSize}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 100000');
  db.exec(SCHEMA);
  return db;
}

export async function raw(workload, pageSize) {
  const t0 = performance.now();
  pageSize ??= (await probeSchema()).pageSize;
  const requests = makeRequests(workload, DISTINCT_REQUESTS, WORKLOAD_SEED);
  const ids = { resources: new Map(), scopes: new Map() };
  const rows = requests.map((r) => rowsOf(r, ids));
  const dir = tempDir('raw');
  const file = path.join(dir, 'raw.db');
  try {
    const db = open(file, pageSize);
    const insertResource = db.prepare('INSERT INTO resources (id, attributes, service) VALUES (?, ?, ?)');
    const insertScope = db.prepare('INSERT INTO scopes (id, name, version) VALUES (?, ?, ?)');
    db.transaction(() => {
      for (const [attrs, [id, service]] of ids.resources) insertResource.run(id, attrs, service);
      for (const [key, id] of ids.scopes) insertScope.run(id, ...key.split('\0'));
    })();
    const insert = db.prepare(`INSERT INTO spans VALUES (${Array(18).fill('?').join(', ')})`);
    const tx = db.transaction((batch) => {
      for (const [prefix, rs] of batch) {
        for (const r of rs) {
          r[0] = prefix + r.tail;
          insert.run(r);
        }
      }
    });
    let n = 0;
    let inserted = 0;
    let ms = 0;
    const cpuSince = cpuMeter();
    while (ms < RUN_MS) {
      const batch = [];
      for (let k = 0; k < REQUESTS_PER_TX; k++, n++) batch.push([sendPrefix(n), rows[n % rows.length]]);
      const t = performance.now();
      tx(batch);
      ms += performance.now() - t;
      inserted += batch.reduce((s, [, rs]) => s + rs.length, 0);
    }
    const cpu = cpuSince();
    db.close();
    const bytes = dbBytes(file);
    const rowsPerSec = inserted / (ms / 1000);
    const f = (x) => Math.round(x).toLocaleString('en');
    console.error(`  raw ${workload}: ${f(rowsPerSec)} rows/s, ${f(bytes / inserted)} B/row, page size ${pageSize}`);
    return { workload, rows: inserted, seconds: ms / 1000, rowsPerSec, bytesPerRow: bytes / inserted, pageSize, cpu,
      partSeconds: (performance.now() - t0) / 1000 }; // prettier-ignore
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { workload: { type: 'string' }, 'page-size': { type: 'string' }, out: { type: 'string' } } });
  const pageSize = values['page-size'] ? Number(values['page-size']) : undefined;
  const results = [];
  for (const w of values.workload ? [values.workload] : ['light', 'realistic']) results.push(await raw(w, pageSize));
  const out = JSON.stringify(results, null, 1);
  if (values.out) fs.writeFileSync(values.out, out);
  else console.log(out);
}
