// `npm run bench [-- <part>]`: the benchmarks, each part in its own process so one's heap and caches don't colour
// the next, then one table of every figure beside its target (bench/table.js).
//   parts: decode (bench/decode.js, prints its own figures), ingest, raw, reads; soak (bench/soak.js, 10 minutes
//   against --max-db-size, prints its own figures; not part of all).
// The table's figures are also written to bench/.cache/last-<part>.json.
//   all (the default): decode, then per workload ingest and its raw reference (at the page size the ingest run's
//   database has), then reads.
// TRACELITE_MAIN: the server (default dist/main.js). BENCH_MS: ms per ingest cell and raw run (default 10,000).
// BENCH_SPANS: spans in the read database (default 5,000,000). BENCH_RUNS: runs per read (default 200).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { MAIN } from './server.js';
import { table } from './table.js';

const WORKLOADS = ['light', 'realistic'];
const dir = import.meta.dirname;
const part = process.argv[2] ?? 'all';
const PARTS = ['all', 'decode', 'ingest', 'raw', 'reads', 'soak'];

if (!PARTS.includes(part)) {
  console.error(`bench: unknown part '${part}'; one of ${PARTS.join(', ')}`);
  process.exit(2);
}
if (part === 'soak') {
  const r = spawnSync(process.execPath, [path.join(dir, 'soak.js')], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const tmp = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), 'tracelite-bench-run-'));
const parts = [];

/** Runs bench/<file> with args; returns its JSON results (undefined when it failed). */
function step(name, file, args = [], { json = true } = {}) {
  console.error(`== ${name}`);
  const out = path.join(tmp, `${name.replace(/\W+/g, '-')}.json`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(dir, file), ...args, ...(json ? ['--out', out] : [])], {
    stdio: ['ignore', json ? 'ignore' : 'inherit', 'inherit'],
  });
  const ok = r.status === 0 && (!json || fs.existsSync(out));
  parts.push({ name, seconds: (performance.now() - t0) / 1000, ok });
  if (!ok) console.error(`bench: ${name} failed (exit ${r.status ?? r.signal})`);
  return ok && json ? JSON.parse(fs.readFileSync(out, 'utf8')) : undefined;
}

const results = { main: MAIN, runMs: Number(process.env.BENCH_MS ?? 10_000), date: new Date().toISOString().slice(0, 16) + 'Z', parts };
if (part === 'all' || part === 'decode') step('decode', 'decode.js', [], { json: false });
if (part !== 'decode' && part !== 'reads') {
  results.ingest = {};
  results.raw = part === 'ingest' ? undefined : {};
  for (const w of WORKLOADS) {
    if (part !== 'raw') results.ingest[w] = step(`ingest ${w}`, 'ingest.js', ['--workload', w])?.[0];
    const pageSize = results.ingest[w]?.pageSize;
    const args = ['--workload', w, ...(pageSize ? ['--page-size', String(pageSize)] : [])];
    if (part !== 'ingest') results.raw[w] = step(`raw ${w}`, 'insert.js', args)?.[0];
  }
}
if (part === 'all' || part === 'reads') results.reads = step('reads', 'query.js');
fs.rmSync(tmp, { recursive: true, force: true });

if (part !== 'decode') {
  // The figures as JSON too, beside the read cache (git-ignored), for comparing runs.
  fs.mkdirSync(path.join(dir, '.cache'), { recursive: true });
  fs.writeFileSync(path.join(dir, '.cache', `last-${part}.json`), JSON.stringify(results, null, 1));
  console.log(`\n${table(results)}`);
}
process.exit(parts.every((p) => p.ok) ? 0 : 1);
