// Ingest over loopback: for each workload, encoding (protobuf, JSON, and protobuf over OTLP/gRPC with 8 senders,
// each its own channel, sending the very same bytes as the protobuf cells) and number of senders (1, 8), a fresh
// tracelite on a temp database takes BENCH_MS (default 10 s) of 512-span export requests (bench/workload.js,
// unique trace IDs per send, 503 → Retry-After → resend). Then: peak RSS (VmHWM), every acknowledged span looked
// for through the API (bench/count.js), and after the server exits, bytes per stored span (database + WAL).
//   node bench/ingest.js [--workload light|realistic] [--out results.json]     (TRACELITE_MAIN, BENCH_MS)
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { countStored } from './count.js';
import { grpcTransport } from './grpc.js';
import { quantile } from './http.js';
import { cycling, sendLoad, traceShapes } from './load.js';
import { cpuMeter, dbBytes, MAIN, peakRssBytes, schemaOf, startServer, stopServer, tempDir } from './server.js';
import { makeRequests } from './workload.js';

export const RUN_MS = Number(process.env.BENCH_MS ?? 10_000);
/** Distinct requests per workload; each send rewrites its trace IDs, so they repeat only in shape. */
export const DISTINCT_REQUESTS = 120;
export const WORKLOAD_SEED = 1;
const CELLS = [
  { encoding: 'protobuf', senders: 1 },
  { encoding: 'protobuf', senders: 8 },
  { encoding: 'protobuf', senders: 8, transport: 'grpc' },
  { encoding: 'json', senders: 1 },
  { encoding: 'json', senders: 8 },
  // Tail sampling in front of the store (--sampling starter, its default 5 s decision wait and buffer): what is
  // dropped never reaches the writer, so ingest should run well above the unsampled cell's rate.
  { encoding: 'protobuf', senders: 8, sampling: 'starter', workloads: ['realistic'] },
];

/**
 * A sampled cell's count, from GET /api/sampling once every trace is decided and written: every acknowledged span
 * seen by the sampler, every kept span written. (The API's per-trace count of the other cells would call the dropped
 * ones missing.)
 */
async function samplingCount(uiUrl, acknowledged) {
  const t0 = performance.now();
  for (;;) {
    const s = await (await fetch(`${uiUrl}/api/sampling`)).json();
    if ((s.traces.buffered === 0 && s.buffer.writing === 0) || performance.now() - t0 > 120_000) {
      return { acknowledged, stored: s.writes.spans, missing: acknowledged - s.spans.seen + (s.spans.kept - s.writes.spans),
        ms: performance.now() - t0, sampling: s }; // prettier-ignore
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function cell(workload, requests, shapes, { encoding, senders, transport = 'http', sampling }) {
  const dir = tempDir('ingest');
  const db = path.join(dir, 'tracelite.db');
  try {
    const server = await startServer(db, sampling ? { TRACELITE_SAMPLING: sampling } : {});
    const expected = new Map();
    const nextSend = cycling(requests, shapes, encoding);
    const cpuSince = cpuMeter(server.pid);
    if (transport === 'grpc' && !server.otlpGrpcUrl) throw new Error(`${MAIN} has no OTLP/gRPC receiver`);
    const grpc = transport === 'grpc' ? grpcTransport(server.otlpGrpcUrl, senders) : undefined;
    const load = await sendLoad({ url: `${server.otlpUrl}/v1/traces`, encoding, senders, ms: RUN_MS, nextSend, expected, transport: grpc });
    const cpu = cpuSince();
    const peakRss = peakRssBytes(server.pid);
    const acknowledgedSpans = [...expected.values()].reduce((a, b) => a + b, 0);
    const count = sampling ? await samplingCount(server.uiUrl, acknowledgedSpans) : await countStored(server.uiUrl, expected);
    const exitCode = await stopServer(server);
    const bytes = dbBytes(db);
    const { pageSize } = schemaOf(db);
    const result = {
      workload, encoding, transport, senders, sampling, seconds: load.seconds, requests: load.requests, acknowledged: load.acknowledged,
      spansPerSec: load.acknowledged / load.seconds, p50Ms: quantile(load.latencies, 0.5), p99Ms: quantile(load.latencies, 0.99),
      refusals: load.refusals, failed: load.failed, rejected: load.rejected, count, peakRss, dbBytes: bytes,
      bytesPerSpan: count.stored ? bytes / count.stored : NaN, exitCode, pageSize, cpu,
    }; // prettier-ignore
    const f = (x) => Math.round(x).toLocaleString('en');
    console.error(`  ${workload} ${transport === 'grpc' ? 'gRPC ' : ''}${encoding} ×${senders}${sampling ? ` --sampling ${sampling}` : ''}: ${f(result.spansPerSec)} spans/s, p99 ${f(result.p99Ms)} ms, ` +
      `${count.missing} missing of ${f(count.acknowledged)}, ${result.refusals} refused, ` +
      `counted in ${(count.ms / 1000).toFixed(1)} s`);
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function ingest(workload) {
  const t0 = performance.now();
  const requests = makeRequests(workload, DISTINCT_REQUESTS, WORKLOAD_SEED);
  const shapes = traceShapes(requests);
  const cells = [];
  for (const c of CELLS) if (!c.workloads || c.workloads.includes(workload)) cells.push(await cell(workload, requests, shapes, c));
  const bytes = (enc) => requests.reduce((n, r) => n + r[enc].buf.length, 0) / requests.reduce((n, r) => n + r.spans, 0);
  return { workload, main: MAIN, runMs: RUN_MS, wireBytesPerSpan: { protobuf: bytes('protobuf'), json: bytes('json') },
    cells, pageSize: cells.at(-1).pageSize, partSeconds: (performance.now() - t0) / 1000 }; // prettier-ignore
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { workload: { type: 'string' }, out: { type: 'string' } } });
  const results = [];
  for (const w of values.workload ? [values.workload] : ['light', 'realistic']) results.push(await ingest(w));
  const json = JSON.stringify(results, null, 1);
  if (values.out) fs.writeFileSync(values.out, json);
  else console.log(json);
}
