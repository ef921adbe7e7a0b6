// The database the read benchmarks run on: BENCH_SPANS (default 5,000,000) realistic spans, built once by
// ingesting through the server itself as fast as it accepts (8 protobuf senders), and kept under bench/.cache/
// (git-ignored). The folder name holds the workload, the size, the server's schema (PRAGMA user_version and a
// hash of its SQL) and a hash of the generators, so a schema or workload change builds a new one.
//
// Timestamps are spread evenly over the 24 hours before the build (each body moved with otlp-walk `retime`), as a
// day of traffic: per-minute statistics, dependency windows and newest-first search then see a real time range.
// Mixed in evenly: 200 traces of 50 spans, 20 of 2,000 and 5 of 10,000 (bench/big-traces.js) for trace reads.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bigTrace } from './big-traces.js';
import { sendLoad } from './load.js';
import { retime, walkRequest } from './otlp-walk.js';
import { getJson, keepAliveAgent } from './http.js';
import { dbBytes, MAIN, NO_LIMITS, peakRssBytes, probeSchema, startServer, stopServer } from './server.js';
import { BATCH, fresh, makeRequests } from './workload.js';

export const CACHE_ROOT = path.join(import.meta.dirname, '.cache');
const SPANS = Number(process.env.BENCH_SPANS ?? 5_000_000);
const DAY_MS = 24 * 3600 * 1000;
const BIG = [
  { spans: 50, traces: 200 },
  { spans: 2000, traces: 20 },
  { spans: 10_000, traces: 5 },
];
const DISTINCT_REQUESTS = 200;
/** Bump when the build itself changes in a way that changes the data. */
const BUILD_VERSION = 3;

function generatorsHash() {
  const h = crypto.createHash('sha1').update(String(BUILD_VERSION));
  for (const f of ['workload.js', 'big-traces.js']) h.update(fs.readFileSync(path.join(import.meta.dirname, f)));
  return h.digest('hex').slice(0, 8);
}

/** The cache folder for this server's schema: bench/.cache/realistic-5000000-v3-1a2b3c4d-5e6f7a8b. */
export async function cacheDir() {
  const schema = await probeSchema();
  return { schema, dir: path.join(CACHE_ROOT, `realistic-${SPANS}-v${schema.userVersion}-${schema.schemaHash}-${generatorsHash()}`) };
}

/** Which send carries what: regular requests, and each big trace's requests where its time falls among them. */
function plan(startMs) {
  const big = [];
  const ids = {};
  let bigSpans = 0;
  for (const { spans, traces } of BIG) {
    ids[spans] = [];
    for (let t = 0; t < traces; t++) {
      // Spread over the day, clear of its two ends; kinds offset so they do not land on the same sends.
      const at = (t + 0.5 + BIG.findIndex((b) => b.spans === spans) / BIG.length / 2) / traces;
      const trace = bigTrace(spans, startMs - DAY_MS + at * DAY_MS);
      ids[spans].push(trace.traceId);
      big.push({ at, requests: trace.requests });
      bigSpans += spans;
    }
  }
  big.sort((a, b) => a.at - b.at);
  const regular = Math.ceil(Math.max(0, SPANS - bigSpans) / BATCH);
  const order = [];
  let j = 0;
  for (let r = 0; r <= regular; r++) {
    for (; j < big.length && big[j].at * regular <= r; j++) for (const req of big[j].requests) order.push({ big: req });
    if (r < regular) order.push({ regular: r });
  }
  return { order, regular, ids };
}

/** The q-quantile of the root spans' durations (a trace's duration here), in whole ms: the search threshold. */
function rootDurationMs(walked, q) {
  const ms = walked.flatMap((w) => w.rows.filter((r) => r.parentSpanId === '').map((r) => Number(r.endNs - r.startNs) / 1e6));
  ms.sort((a, b) => a - b);
  return Math.round(ms[Math.floor(q * (ms.length - 1))]);
}

async function build(dir) {
  const t0 = performance.now();
  const building = `${dir}.building`;
  fs.rmSync(building, { recursive: true, force: true });
  fs.mkdirSync(building, { recursive: true });
  const db = path.join(building, 'tracelite.db');
  const nowMs = Date.now();
  const requests = makeRequests('realistic', DISTINCT_REQUESTS, 2);
  const walked = requests.map((r) => walkRequest(r.protobuf.buf));
  const times = walked.map((w) => w.times);
  const generatedAtNs = walked[0].rows[0].startNs;
  const { order, regular, ids } = plan(nowMs);
  // Regular send r moves its body from when it was generated to r/regular of the way through the day.
  const shiftNs = (r) => BigInt(nowMs - DAY_MS + Math.floor((r / regular) * DAY_MS)) * 1_000_000n - generatedAtNs;
  const nextSend = (n) => {
    const o = order[n];
    if (!o) return null;
    if (o.big) return { body: o.big.protobuf.buf, spans: o.big.spans };
    const i = o.regular % requests.length;
    return { body: retime(fresh(requests[i].protobuf, n), times[i], shiftNs(o.regular)), spans: requests[i].spans };
  };
  const buildStart = performance.now();
  const server = await startServer(db, NO_LIMITS);
  let lastReport = performance.now();
  const onAck = (spans) => {
    if (performance.now() - lastReport < 10_000) return;
    lastReport = performance.now();
    const s = (lastReport - buildStart) / 1000;
    const f = (x) => Math.round(x).toLocaleString('en');
    console.error(`  cache build: ${f(spans)} spans in ${f(s)} s (${f(spans / s)}/s)`);
  };
  const load = await sendLoad({ url: `${server.otlpUrl}/v1/traces`, encoding: 'protobuf', senders: 8, ms: Infinity, nextSend, onAck });
  const peakRss = peakRssBytes(server.pid);
  const stored = await storedSpans(server.uiUrl);
  const exitCode = await stopServer(server);
  const buildSeconds = (performance.now() - buildStart) / 1000;
  const failed = Object.values(load.failed).reduce((a, b) => a + b, 0);
  if (failed || load.rejected || exitCode !== 0) {
    const why = `${failed} failed (${JSON.stringify(load.failed)}), ${load.rejected} rejected, exit ${exitCode}`;
    throw new Error(`cache build: ${why}; not cached`);
  }
  const meta = {
    main: MAIN, builtAt: new Date(nowMs).toISOString(), spans: load.acknowledged, stored, requests: load.requests,
    buildSeconds, spansPerSec: load.acknowledged / buildSeconds, refusals: load.refusals, peakRss, dbBytes: dbBytes(db),
    startMs: nowMs - DAY_MS, endMs: nowMs, traceIds: ids, generateSeconds: (buildStart - t0) / 1000,
    searchMinDurationMs: rootDurationMs(walked, 0.98),
  }; // prettier-ignore
  fs.writeFileSync(path.join(building, 'meta.json'), JSON.stringify(meta, null, 1));
  fs.renameSync(building, dir);
  return meta;
}

/** Spans the server says it holds: the sum of /api/services' spanCount (a check that nothing was pruned). */
export async function storedSpans(uiUrl) {
  const agent = keepAliveAgent(1);
  const { services } = await getJson(agent, `${uiUrl}/api/services`);
  agent.destroy();
  return services.reduce((n, s) => n + (s.spanCount ?? 0), 0);
}

/** The cached database (built first if missing): { db, meta, cached, schema }. */
export async function ensureCache() {
  const { schema, dir } = await cacheDir();
  const metaFile = path.join(dir, 'meta.json');
  const cached = fs.existsSync(metaFile);
  if (!cached) {
    fs.mkdirSync(CACHE_ROOT, { recursive: true });
    console.error(`  building ${path.relative(process.cwd(), dir)} (${SPANS.toLocaleString('en')} spans) …`);
    const others = fs.readdirSync(CACHE_ROOT).filter((f) => f.startsWith('realistic-') && path.join(CACHE_ROOT, f) !== dir);
    if (others.length) console.error(`  (other read databases in ${CACHE_ROOT}, delete those you no longer need: ${others.join(', ')})`);
  }
  let meta;
  try {
    meta = cached ? JSON.parse(fs.readFileSync(metaFile, 'utf8')) : await build(dir);
  } catch (err) {
    fs.rmSync(`${dir}.building`, { recursive: true, force: true });
    throw err;
  }
  return { db: path.join(dir, 'tracelite.db'), dir, meta, cached, schema };
}
