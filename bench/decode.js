// OTLP decode + chunk encode throughput, and what the chunks weigh, for the requests of bench/workload.js: the
// realistic ones (Express-shaped traces, 8–13 attributes a span, errors with stacks) and the light ones, made by the
// OpenTelemetry SDK's own serializers. Also the chunk readers (full and index) for scale.
// Runs against the compiled code: `npx tsc -p tsconfig.build.json && node bench/decode.js`
// (TRACELITE_DIST=/some/dir to use another build). Prints the median of 3 runs of ~BENCH_MS ms after a warm-up, per
// second of wall time and per second of the process's CPU time (the machine is shared: see performance.md);
// BENCH_ONLY=protobuf|JSON|read runs one part (for profiling with --cpu-prof).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BATCH, makeRequests } from './workload.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, process.env.TRACELITE_DIST ?? '../dist');
const load = (p) => import(pathToFileURL(path.join(dist, p)).href);
const proto = await load('ingest/otlp-proto.js');
const jsonMod = await load('ingest/otlp-json.js');
// As the receivers call them: with --max-attribute-length (default 64 KiB; BENCH_MAX_ATTRIBUTE_LENGTH=0 for none).
// A build from before the flag takes no second argument and ignores it.
const MAX_ATTR = Number(process.env.BENCH_MAX_ATTRIBUTE_LENGTH ?? 65536);
const decodeProtobufRequest = (b) => proto.decodeProtobufRequest(b, MAX_ATTR);
const decodeJsonRequest = (b) => jsonMod.decodeJsonRequest(b, MAX_ATTR);
const { readChunk, readChunkIndex, readDimension } = await load('codec/index.js');

const RUN_MS = Number(process.env.BENCH_MS ?? 3000);
const REQUESTS = 8;
const only = process.env.BENCH_ONLY;
const fmt = (n) => Math.round(n).toLocaleString('en-US');

/**
 * Spans per second over `bodies`, decoded round-robin for ~RUN_MS: per second of wall time, and per second of this
 * process's CPU time (user + system), which stays meaningful when other processes share the machine.
 */
function measure(run, bodies, spansPerBody) {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let n = 0;
  let bytes = 0;
  let elapsed = 0;
  do {
    for (const b of bodies) {
      run(b);
      n += spansPerBody;
      bytes += b.length ?? 0;
    }
    elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  } while (elapsed < RUN_MS);
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  return { spansPerSec: (n * 1000) / elapsed, spansPerCpuSec: (n * 1000) / cpuMs, mbPerSec: (bytes * 1000) / elapsed / 1e6 };
}

function bench(name, run, bodies, spansPerBody = BATCH) {
  measure(run, bodies, spansPerBody); // warm-up: let the JIT settle
  const runs = [0, 1, 2].map(() => measure(run, bodies, spansPerBody)).sort((a, b) => a.spansPerSec - b.spansPerSec);
  const m = runs[1];
  const cpu = runs.map((r) => r.spansPerCpuSec).sort((a, b) => a - b)[1];
  const mb = m.mbPerSec > 0 ? `${m.mbPerSec.toFixed(0).padStart(4)} MB/s` : '         ';
  console.log(
    `  ${name.padEnd(26)} ${fmt(m.spansPerSec).padStart(9)} spans/s  ${mb}  ${fmt(cpu).padStart(9)} per CPU-s` +
      `  (runs ${runs.map((r) => fmt(r.spansPerSec)).join(' / ')})`,
  );
}

console.log(`node ${process.version}, ${REQUESTS} requests of ${BATCH} spans each, ~${RUN_MS} ms per run`);
for (const kind of ['realistic', 'light']) {
  const reqs = makeRequests(kind, REQUESTS);
  const protobuf = reqs.map((r) => r.protobuf.buf);
  const json = reqs.map((r) => r.json.buf);
  const spans = reqs.length * BATCH;
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  console.log(`-- ${kind}: protobuf ${(sum(protobuf.map((b) => b.length)) / spans).toFixed(1)} B/span, JSON ${(sum(json.map((b) => b.length)) / spans).toFixed(1)} B/span`);
  // Decoding first, with each result dropped at once as the server drops it once written. Keeping many requests'
  // results alive together (as a pass over all of them before would) makes V8 pretenure the allocation sites of
  // SpanMeta, its BigInts and strings, and then GC costs ~20 % of decoding: see the 'results kept' line.
  if (!only || only === 'protobuf') bench('protobuf -> chunks', decodeProtobufRequest, protobuf);
  if (!only || only === 'JSON') {
    bench('JSON -> chunks', decodeJsonRequest, json);
    if (!only) bench('JSON.parse only (floor)', (b) => JSON.parse(b.toString()), json);
  }
  let chunkBytes = 0;
  let dimBytes = 0;
  let pbBytes = 0;
  const chunks = [];
  const dims = new Map();
  for (const b of protobuf) {
    const d = decodeProtobufRequest(b);
    if (d.spans.length !== BATCH) throw new Error(`decoded ${d.spans.length} spans: ${d.rejectionMessage}`);
    pbBytes += b.length;
    for (const c of d.chunks) (chunkBytes += c.data.length), chunks.push(c);
    for (const x of d.dimensions) (dimBytes += x.data.length), dims.set(x.hash, readDimension(x.data));
  }
  console.log(
    `   chunks ${(chunkBytes / spans).toFixed(1)} B/span (${((100 * chunkBytes) / pbBytes).toFixed(1)} % of protobuf), ` +
      `${(spans / chunks.length).toFixed(1)} spans a chunk; dimensions ${(dimBytes / spans).toFixed(1)} B/span if every request stored its own`,
  );
  if (!only || only === 'protobuf') {
    const kept = protobuf.map((b) => decodeProtobufRequest(b)); // all alive at once: pretenuring from here on
    bench('protobuf (results kept)', decodeProtobufRequest, protobuf);
    kept.length = 0;
  }
  if (!only || only === 'read') {
    const perChunk = spans / chunks.length;
    bench('readChunk (read model)', (c) => readChunk(c.data, c.traceId, dims), chunks, perChunk);
    const keys = new Set(['http.route', 'http.request.method', 'http.response.status_code', 'db.system.name', 'exception.type']);
    bench('readChunkIndex (5 keys)', (c) => readChunkIndex(c.data, keys), chunks, perChunk);
  }
}
