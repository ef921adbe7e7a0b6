// What forwarding costs the main thread: the export encoding (stored chunks → typed spans → OTLP protobuf,
// src/forward/encode.ts) of batches of realistic requests (bench/workload.js), spans per second of wall and CPU
// time; the gzip that follows runs on libuv's thread pool, timed here too. Also what the queue holds per span
// (chunk + dimension bytes), which is what --forward-queue's default of 100,000 spans weighs.
// `npx tsc -p tsconfig.build.json && node bench/forward-encode.js` (BENCH_MS, TRACELITE_DIST as bench/decode.js).
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { BATCH, makeRequests } from './workload.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, process.env.TRACELITE_DIST ?? '../dist');
const load = (p) => import(pathToFileURL(path.join(dist, p)).href);
const { decodeProtobufRequest } = await load('ingest/otlp-proto.js');
const { encodeExport } = await load('forward/encode.js');

const RUN_MS = Number(process.env.BENCH_MS ?? 3000);
const fmt = (n) => Math.round(n).toLocaleString('en-US');

function measure(run, spans) {
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let n = 0;
  let elapsed = 0;
  do {
    run();
    n += spans;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e6;
  } while (elapsed < RUN_MS);
  const c = process.cpuUsage(c0);
  return { wall: (n * 1000) / elapsed, cpu: (n * 1000) / ((c.user + c.system) / 1000) };
}

console.log(`node ${process.version}, ~${RUN_MS} ms per run, median of 3`);
for (const kind of ['realistic', 'light']) {
  const perBatch = Math.max(1, Math.floor(8192 / BATCH));
  const bodies = makeRequests(kind, perBatch);
  const queued = bodies.map((b) => {
    const d = decodeProtobufRequest(b.protobuf.buf);
    return { chunks: d.chunks, dimensions: d.dimensions, spans: d.spans.length };
  });
  const spans = queued.reduce((n, q) => n + q.spans, 0);
  const held = queued.reduce((n, q) => n + q.chunks.reduce((m, c) => m + c.data.length, 0) + q.dimensions.reduce((m, d) => m + d.data.length, 0), 0);
  const proto = encodeExport(queued);
  const gz = gzipSync(proto);
  measure(() => encodeExport(queued), spans);
  const enc = [0, 1, 2].map(() => measure(() => encodeExport(queued), spans)).sort((a, b) => a.wall - b.wall)[1];
  const zip = [0, 1, 2].map(() => measure(() => gzipSync(proto), spans)).sort((a, b) => a.wall - b.wall)[1];
  console.log(`${kind}: batches of ${fmt(spans)} spans; queue holds ${fmt(held / spans)} B/span (${(held / spans * 100_000 / 1e6).toFixed(0)} MB for 100,000); export ${fmt(proto.length / spans)} B/span, gzip ${fmt(gz.length / spans)} B/span`);
  console.log(`  encode (main thread)  ${fmt(enc.wall).padStart(9)} spans/s  ${fmt(enc.cpu).padStart(9)} per CPU-s`);
  console.log(`  gzip (thread pool)    ${fmt(zip.wall).padStart(9)} spans/s  ${fmt(zip.cpu).padStart(9)} per CPU-s`);
}
