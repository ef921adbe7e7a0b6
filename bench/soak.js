// The bounded database under sustained load: tracelite with --max-db-size (BENCH_SOAK_LIMIT, default 256MB) takes
// realistic protobuf export requests from 8 senders paced at BENCH_SOAK_RATE spans/s (default 25,000: about half
// what this 2-core machine sustains; 0 = as fast as it goes) for BENCH_SOAK_S seconds (default 600) — many times
// the limit in spans — while a reader searches, lists services and opens a trace every 250 ms. Every second it
// samples the database file, its WAL and the server's RSS; it reports the largest file and WAL against the limit
// (the file may pass it by at most what one checkpoint moves from the WAL into it), and per minute the ingest rate,
// p99 ingest and query latency and RSS (flat lines: retention must not stall ingest, nothing may grow), and what is
// stored at the end.
//   node bench/soak.js [--out results.json]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { exportOnce, keepAliveAgent, quantile, timedGet } from './http.js';
import { cycling, sendLoad, traceShapes } from './load.js';
import { peakRssBytes, startServer, stopServer, tempDir } from './server.js';
import { makeRequests } from './workload.js';
import { DISTINCT_REQUESTS, WORKLOAD_SEED } from './ingest.js';

const SECONDS = Number(process.env.BENCH_SOAK_S ?? 600);
const RATE = Number(process.env.BENCH_SOAK_RATE ?? 25_000);
const LIMIT = process.env.BENCH_SOAK_LIMIT ?? '256MB';
const LIMIT_BYTES = Number(/^(\d+)MB$/.exec(LIMIT)?.[1] ?? NaN) * 1024 * 1024;
if (!Number.isFinite(LIMIT_BYTES)) throw new Error(`BENCH_SOAK_LIMIT: expected e.g. 256MB, got ${LIMIT}`);

const size = (f) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
const rssBytes = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

/** OTLP/HTTP sends paced to `rate` spans/s over all senders (each waits for its slot), one keep-alive socket each. */
function pacedTransport(url, senders, rate, spansPerSend) {
  const agent = keepAliveAgent(senders);
  const t0 = performance.now();
  let slot = 0;
  return {
    async exportOnce(body, deadline) {
      if (rate > 0) {
        const at = t0 + ((slot++ * spansPerSend) / rate) * 1000;
        const wait = at - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      return exportOnce(agent, url, 'protobuf', body, deadline);
    },
    close: () => agent.destroy(),
  };
}

/** What a user does meanwhile: search, the service list, a trace by ID, every 250 ms; latency per minute. */
function readAlongside(uiUrl, record) {
  const agent = keepAliveAgent(1);
  let stop = false;
  let traceId = '';
  const urls = [() => `${uiUrl}/api/traces?limit=20`, () => `${uiUrl}/api/services`, () => (traceId ? `${uiUrl}/api/traces/${traceId}` : `${uiUrl}/api/services`)];
  const done = (async () => {
    for (let i = 0; !stop; i++) {
      const r = await timedGet(agent, urls[i % 3]()).catch(() => undefined);
      if (r && r.status === 200) {
        record(r.ms);
        if (i % 3 === 0) traceId = JSON.parse(r.body.toString()).traces?.[0]?.traceId ?? traceId;
      }
      await new Promise((res) => setTimeout(res, 250));
    }
  })();
  return async () => {
    stop = true;
    await done;
    agent.destroy();
  };
}

export async function soak() {
  const dir = tempDir('soak');
  const db = path.join(dir, 'tracelite.db');
  try {
    const server = await startServer(db, { TRACELITE_MAX_DB_SIZE: LIMIT, TRACELITE_RETENTION: '0', TRACELITE_MAX_SPANS: '0' });
    const requests = makeRequests('realistic', DISTINCT_REQUESTS, WORKLOAD_SEED);
    const nextSend = cycling(requests, traceShapes(requests), 'protobuf');
    const samples = [];
    const perMinute = [];
    let minute = { acked: 0, latencies: [], queries: [], rss: 0 };
    const t0 = Date.now();
    const stopReading = readAlongside(server.uiUrl, (ms) => minute.queries.push(ms));
    const timer = setInterval(() => {
      samples.push({ s: (Date.now() - t0) / 1000, db: size(db), wal: size(`${db}-wal`) });
      minute.rss = Math.max(minute.rss, rssBytes(server.pid));
      if (samples.length % 60 === 0) {
        perMinute.push({ spansPerSec: minute.acked / 60, p99Ms: quantile(minute.latencies, 0.99), queryP99Ms: quantile(minute.queries, 0.99), rssMb: minute.rss / 1024 / 1024 });
        minute = { acked: 0, latencies: [], queries: [], rss: 0 };
      }
    }, 1000);
    let acked = 0;
    const load = await sendLoad({
      url: `${server.otlpUrl}/v1/traces`, encoding: 'protobuf', senders: 8, ms: SECONDS * 1000, nextSend,
      transport: pacedTransport(`${server.otlpUrl}/v1/traces`, 8, RATE, requests[0].spans),
      onAck: (n) => { minute.acked += n - acked; acked = n; },
      onLatency: (ms) => minute.latencies.push(ms),
    }); // prettier-ignore
    clearInterval(timer);
    await stopReading();
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
    console.log(`bench soak: ${f(result.seconds)} s of realistic protobuf ×8 ${RATE > 0 ? `paced at ${f(RATE)} spans/s` : 'unpaced'}, queries alongside, against --max-db-size ${LIMIT}`);
    console.log(`  ingest ${f(result.spansPerSec)} spans/s (${f(result.acknowledged)} acknowledged, ${(result.acknowledged * 250 / LIMIT_BYTES).toFixed(1)}× the limit at ~250 B/span), p99 ${f(result.p99Ms)} ms, ${result.refusals} refused`);
    console.log(`  per minute, spans/s: ${perMinute.map((m) => f(m.spansPerSec)).join(' ')}`);
    console.log(`  per minute, p99 ms:  ${perMinute.map((m) => f(m.p99Ms)).join(' ')}`);
    console.log(`  per minute, query p99 ms: ${perMinute.map((m) => m.queryP99Ms.toFixed(1)).join(' ')}`);
    console.log(`  per minute, RSS MB: ${perMinute.map((m) => f(m.rssMb)).join(' ')}`);
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
