// The bounded database under sustained load: tracelite with --max-db-size (BENCH_SOAK_LIMIT, default 256MB) takes
// realistic protobuf export requests from 8 senders for BENCH_SOAK_S seconds (default 600) — many times the limit
// in spans. Every second it samples the database file and its WAL; it reports the largest of each against the
// limit (the file may pass it by at most what one checkpoint moves from the WAL into it), the ingest rate and
// p99 over the run and per minute (retention must not stall ingest), peak RSS, and what is stored at the end.
//   node bench/soak.js [--out results.json]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { quantile } from './http.js';
import { cycling, sendLoad, traceShapes } from './load.js';
import { peakRssBytes, startServer, stopServer, tempDir } from './server.js';
import { makeRequests } from './workload.js';
import { DISTINCT_REQUESTS, WORKLOAD_SEED } from './ingest.js';

const SECONDS = Number(process.env.BENCH_SOAK_S ?? 600);
const LIMIT = process.env.BENCH_SOAK_LIMIT ?? '256MB';
const LIMIT_BYTES = Number(/^(\d+)MB$/.exec(LIMIT)?.[1] ?? NaN) * 1024 * 1024;
if (!Number.isFinite(LIMIT_BYTES)) throw new Error(`BENCH_SOAK_LIMIT: expected e.g. 256MB, got ${LIMIT}`);

const size = (f) => (fs.existsSync(f) ? fs.statSync(f).size : 0);

export async function soak() {
  const dir = tempDir('soak');
  const db = path.join(dir, 'tracelite.db');
  try {
    const server = await startServer(db, { TRACELITE_MAX_DB_SIZE: LIMIT, TRACELITE_RETENTION: '0', TRACELITE_MAX_SPANS: '0' });
    const requests = makeRequests('realistic', DISTINCT_REQUESTS, WORKLOAD_SEED);
    const nextSend = cycling(requests, traceShapes(requests), 'protobuf');
    const samples = [];
    const perMinute = [];
    let minute = { acked: 0, latencies: [] };
    const t0 = Date.now();
    const timer = setInterval(() => {
      samples.push({ s: (Date.now() - t0) / 1000, db: size(db), wal: size(`${db}-wal`) });
      if (samples.length % 60 === 0) {
        perMinute.push({ spansPerSec: minute.acked / 60, p99Ms: quantile(minute.latencies, 0.99) });
        minute = { acked: 0, latencies: [] };
      }
    }, 1000);
    let acked = 0;
    const load = await sendLoad({
      url: `${server.otlpUrl}/v1/traces`, encoding: 'protobuf', senders: 8, ms: SECONDS * 1000, nextSend,
      onAck: (n) => { minute.acked += n - acked; acked = n; },
      onLatency: (ms) => minute.latencies.push(ms),
    }); // prettier-ignore
    clearInterval(timer);
    const peakRss = peakRssBytes(server.pid);
    const exitCode = await stopServer(server);
    const file = new Database(db, { readonly: true, fileMustExist: true });
    const storedSpans = file.prepare("SELECT value FROM store_meta WHERE key = 'span_total'").pluck().get() ?? 0;
    const storedTraces = file.prepare('SELECT count(*) FROM trace_rows').pluck().get();
    file.close();
    const max = (k) => Math.max(...samples.map((x) => x[k]));
    const result = {
      seconds: load.seconds, limitBytes: LIMIT_BYTES, acknowledged: load.acknowledged, spansPerSec: load.acknowledged / load.seconds,
      p99Ms: quantile(load.latencies, 0.99), refusals: load.refusals, failed: load.failed, perMinute,
      maxDbBytes: max('db'), maxWalBytes: max('wal'), maxTotalBytes: Math.max(...samples.map((x) => x.db + x.wal)),
      finalDbBytes: size(db), storedSpans, storedTraces, peakRss, exitCode, failedMessages: Object.keys(load.failed),
    }; // prettier-ignore
    const mb = (b) => `${(b / 1024 / 1024).toFixed(1)} MB`;
    const f = (x) => Math.round(x).toLocaleString('en');
    console.log(`bench soak: ${f(result.seconds)} s of realistic protobuf ×8 against --max-db-size ${LIMIT}`);
    console.log(`  ingest ${f(result.spansPerSec)} spans/s (${f(result.acknowledged)} acknowledged, ${(result.acknowledged * 250 / LIMIT_BYTES).toFixed(1)}× the limit at ~250 B/span), p99 ${f(result.p99Ms)} ms, ${result.refusals} refused`);
    console.log(`  per minute, spans/s: ${perMinute.map((m) => f(m.spansPerSec)).join(' ')}`);
    console.log(`  per minute, p99 ms:  ${perMinute.map((m) => f(m.p99Ms)).join(' ')}`);
    console.log(`  database file: max ${mb(result.maxDbBytes)} (limit ${mb(LIMIT_BYTES)}: ${result.maxDbBytes <= LIMIT_BYTES ? 'under' : `over by ${mb(result.maxDbBytes - LIMIT_BYTES)}`}), WAL max ${mb(result.maxWalBytes)}, file + WAL max ${mb(result.maxTotalBytes)}`);
    // What the server said (a writer thread that failed and was replaced, say): the last lines of its stderr.
    const said = server.output().split('\n').filter((l) => l.startsWith('tracelite:')).slice(-5);
    if (said.length > 0) console.log(`  the server said:\n${said.map((l) => `    ${l}`).join('\n')}`);
    console.log(`  at the end: ${f(storedSpans)} spans in ${f(storedTraces)} traces stored, file ${mb(result.finalDbBytes)}; server peak RSS ${f(peakRss / 1024 / 1024)} MB; exit ${exitCode}`);
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const result = await soak();
  if (values.out) fs.writeFileSync(values.out, JSON.stringify(result, null, 1));
}
