// Reads at scale: tracelite started on the cached BENCH_SPANS-span realistic database (bench/cache.js), then each
// read below over HTTP, one at a time on a keep-alive connection: BENCH_RUNS (default 200) timed runs after 10
// warm-up runs, p50/p99 of request → last byte (a read over BENCH_READ_CAP_S stops sooner, see CAP_MS). Also startup (spawn → listening, median of 3) and peak RSS.
//   node bench/query.js [--out results.json]     (TRACELITE_MAIN, BENCH_SPANS, BENCH_RUNS, BENCH_READ_CAP_S)
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureCache, storedSpans } from './cache.js';
import { getJson, keepAliveAgent, quantile, timedGet } from './http.js';
import { cpuMeter, dbBytes, MAIN, NO_LIMITS, peakRssBytes, startServer, stopServer } from './server.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const WARMUP = 10;
/**
 * A read still running after this many seconds (BENCH_READ_CAP_S, default 120) stops at its next run once it has
 * MIN_RUNS, and warms up for at most a tenth of that: a read 100× over its target does not need 200 runs to say
 * so. The table shows such a read's run count.
 */
const CAP_MS = Number(process.env.BENCH_READ_CAP_S ?? 120) * 1000;
const MIN_RUNS = 5;
const STARTS = 3;

/** The reads: [key, name, (i) => path]. `ctx`: the cache's trace IDs and figures, the services, the data's end. */
function reads(ctx) {
  const cycle = (xs) => (i) => xs[i % xs.length];
  const svc = cycle(ctx.services);
  const id50 = cycle(ctx.traceIds[50]);
  const q = encodeURIComponent;
  const min = ctx.searchMinDurationMs;
  return [
    ['trace50', 'trace by ID, 50 spans', (i) => `/api/traces/${id50(i)}`],
    ['trace2000', 'trace by ID, 2,000 spans', (i) => `/api/traces/${cycle(ctx.traceIds[2000])(i)}`],
    ['searchDuration', `search: service + minDuration=${min}ms (p98)`, (i) => `/api/traces?service=${q(svc(i))}&minDuration=${min}ms`],
    ['searchOperation', 'search: service + operation', (i) => `/api/traces?service=${q(svc(i))}&operation=${q('GET /api/cart')}`],
    ['searchAttr', 'search: attr http.route=/api/cart', () => `/api/traces?attr=${q('http.route=/api/cart')}`],
    ['services', '/api/services', () => '/api/services'],
    ['operations', '/api/services/{s}/operations', (i) => `/api/services/${q(svc(i))}/operations`],
    ['stats', '/api/stats (all time)', () => '/api/stats'],
    ['dependencies', '/api/dependencies (last hour of data)', () => `/api/dependencies?start=${ctx.endMs - 3_600_000}&end=${ctx.endMs}`],
    ['searchPage', 'search page /', () => '/'],
    ['tracePage50', 'trace page, 50 spans', (i) => `/trace/${id50(i)}`],
    ['tracePage10000', 'trace page, 10,000 spans', (i) => `/trace/${cycle(ctx.traceIds[10000])(i)}`],
  ];
}

async function measure(agent, base, path) {
  const errors = {};
  const ms = [];
  let bytes = 0;
  let warm = 0;
  const t0 = performance.now();
  for (let i = 0; ms.length < RUNS; i++) {
    const elapsed = performance.now() - t0;
    if (ms.length >= MIN_RUNS && elapsed > CAP_MS) break;
    const warming = warm < WARMUP && (warm === 0 || elapsed < CAP_MS / 10);
    let res;
    try {
      res = await timedGet(agent, base + path(i));
    } catch (err) {
      errors[err.code ?? 'error'] = (errors[err.code ?? 'error'] ?? 0) + 1;
      break;
    }
    if (res.status !== 200) errors[res.status] = (errors[res.status] ?? 0) + 1;
    if (warming) {
      warm++;
      continue;
    }
    ms.push(res.ms);
    bytes += res.bytes;
  }
  const p = (q) => quantile(ms, q);
  return { runs: ms.length, p50Ms: p(0.5), p99Ms: p(0.99), maxMs: Math.max(...ms), meanBytes: bytes / ms.length, errors };
}

/** STARTS spawns on the database; the last one is kept running for the reads. */
async function startups(db) {
  const ms = [];
  for (let i = 0; i < STARTS; i++) {
    const server = await startServer(db, NO_LIMITS);
    ms.push(server.startupMs);
    if (i === STARTS - 1) return { server, ms };
    await stopServer(server);
  }
}

export async function queries() {
  const t0 = performance.now();
  const cache = await ensureCache();
  const { meta } = cache;
  const how = cache.cached ? 'cached' : `built in ${meta.buildSeconds.toFixed(0)} s`;
  console.error(`  reads on ${meta.spans.toLocaleString('en')} spans (${how})`);
  const { server, ms: startupMs } = await startups(cache.db);
  const agent = keepAliveAgent(1);
  const base = server.uiUrl;
  const services = (await getJson(agent, `${base}/api/services`)).services.map((s) => s.name).sort();
  const stored = await storedSpans(base);
  const results = [];
  const cpuSince = cpuMeter(server.pid);
  for (const [key, name, path] of reads({ ...meta, services })) {
    const m = await measure(agent, base, path);
    const errors = Object.keys(m.errors).length ? `, errors ${JSON.stringify(m.errors)}` : '';
    console.error(`  ${name}: p50 ${m.p50Ms.toFixed(2)} ms, p99 ${m.p99Ms.toFixed(2)} ms, ${m.runs} runs${errors}`);
    results.push({ key, name, ...m });
  }
  const cpu = cpuSince();
  const peakRss = peakRssBytes(server.pid);
  agent.destroy();
  const exitCode = await stopServer(server);
  return {
    main: MAIN, cache: { ...meta, dir: cache.dir, cached: cache.cached, schema: cache.schema, traceIds: undefined },
    stored, cpu, startupMs, peakRss, exitCode, dbBytes: dbBytes(cache.db), reads: results,
    partSeconds: (performance.now() - t0) / 1000,
  }; // prettier-ignore
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  const json = JSON.stringify(await queries(), null, 1);
  if (values.out) fs.writeFileSync(values.out, json);
  else console.log(json);
}
