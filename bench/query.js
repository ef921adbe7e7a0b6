// Read latency on the database bench/insert.js leaves behind (500k spans, 10k traces of 50 spans, 20 services):
// whole-trace reads and findTraces shapes through SqliteTraceReader, warm, one query at a time.
//   npx tsc -p tsconfig.build.json && node bench/insert.js && node bench/query.js [--db data/bench/writer.db]
import { parseArgs } from 'node:util';
import { checkpoint, openDatabase } from '../dist/store/open.js';
import { SqliteTraceReader } from '../dist/store/reader.js';

const { values: args } = parseArgs({
  options: { db: { type: 'string', default: 'data/bench/writer.db' }, n: { type: 'string', default: '2000' } },
});
const N = Number(args.n);

let seed = 12345;
const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const pct = (xs, q) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))];

/** Runs query() n times (after n/10 warm-up runs); returns p50/p99 in µs and the mean result size. */
function measure(n, query) {
  for (let i = 0; i < n / 10; i++) query();
  const us = [];
  let rows = 0;
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    rows += query().length;
    us.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return { p50: pct(us, 0.5), p99: pct(us, 0.99), rows: rows / n };
}

function report(label, m) {
  const f = (x) => x.toFixed(0).padStart(7);
  console.log(`${label.padEnd(44)} ${f(m.p50)} ${f(m.p99)} ${m.rows.toFixed(1).padStart(7)}`);
}

/** Every trace summary, walked newest-first with the keyset cursor (itself a test of paging). */
function allTraces(reader) {
  const all = [];
  let after;
  for (;;) {
    const page = reader.findTraces({ errorOnly: false, attrs: [], limit: 1000, after });
    if (page.length === 0) return all;
    all.push(...page);
    const last = page[page.length - 1];
    after = { startNs: last.startTimeUnixNano, traceId: last.traceId };
  }
}

function main() {
  const db = openDatabase(args.db);
  checkpoint(db);
  const reader = new SqliteTraceReader(db);
  const traces = allTraces(reader);
  const services = reader.services().map((s) => s.name);
  const durations = traces.map((t) => t.durationNs).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const dq = (q) => durations[Math.floor(q * (durations.length - 1))];
  const spans = traces.reduce((n, t) => n + t.spanCount, 0);
  console.log(`${args.db}: ${spans} spans, ${traces.length} traces, ${services.length} services`);
  console.log(`${'query (warm, µs)'.padEnd(44)} ${'p50'.padStart(7)} ${'p99'.padStart(7)} ${'rows'.padStart(7)}`);

  const base = { errorOnly: false, attrs: [], limit: 20 };
  const some = (extra) => () => reader.findTraces({ ...base, ...extra, service: extra.service ?? undefined });
  report('getTrace (50 spans)', measure(N, () => reader.getTrace(pick(traces).traceId)));
  report('findTraces: newest 20', measure(N, some({})));
  report('findTraces: page 10 (cursor)', measure(N, () => {
    const t = traces[200 + Math.floor(rnd() * 1000)];
    return reader.findTraces({ ...base, after: { startNs: t.startTimeUnixNano, traceId: t.traceId } });
  })); // prettier-ignore
  report('service', measure(N, () => reader.findTraces({ ...base, service: pick(services) })));
  for (const [name, q] of [['p50', 0.5], ['p90', 0.9], ['p99', 0.99], ['p99.9', 0.999]]) {
    const min = dq(q);
    const label = `service + duration >= ${name} (${(Number(min) / 1e6).toFixed(1)} ms)`;
    report(label, measure(N, () => reader.findTraces({ ...base, service: pick(services), minDurationNs: min })));
  }
  const route = 'GET /api/v1/orders/:id';
  report(`service + operation`, measure(N, () => reader.findTraces({ ...base, service: pick(services), operation: route })));
  report('errors only', measure(N, () => reader.findTraces({ ...base, errorOnly: true })));
  const attrs = [{ key: 'http.response.status_code', value: '500' }];
  report('attr http.response.status_code=500', measure(N / 10, () => reader.findTraces({ ...base, attrs })));
  const resAttr = [{ key: 'k8s.node.name', value: 'node-1' }];
  report('service + resource attr', measure(N / 10, () => reader.findTraces({ ...base, service: pick(services), attrs: resAttr })));
  report('services()', measure(N, () => reader.services()));
  report('operations(service)', measure(N, () => reader.operations(pick(services))));
  db.close();
}

main();
