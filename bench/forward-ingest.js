// Ingest into tracelite A with and without --forward, realistic 512-span protobuf requests from 8 senders for
// BENCH_MS (default 10 s) each: A alone; A forwarding to a live tracelite B; A forwarding to a port nothing listens
// on. Prints spans/s acknowledged, p99 latency, A's CPU (cores), and what A's /api/forwarding counted. The machine
// may be shared: read the CPU columns beside the rates.
//   npm run build && node bench/forward-ingest.js        (TRACELITE_MAIN, BENCH_MS)
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { getJson, keepAliveAgent, quantile } from './http.js';
import { cycling, sendLoad, traceShapes } from './load.js';
import { cpuMeter, startServer, stopServer, tempDir } from './server.js';
import { makeRequests } from './workload.js';

const RUN_MS = Number(process.env.BENCH_MS ?? 10_000);
const f = (x) => Math.round(x).toLocaleString('en');

async function deadUrl() {
  const srv = net.createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const port = srv.address().port;
  await new Promise((r) => srv.close(r));
  return `http://127.0.0.1:${port}`;
}

async function cell(name, requests, shapes, forward) {
  const dir = tempDir('forward');
  const servers = [];
  try {
    let env = {};
    if (forward === 'live') {
      const b = await startServer(path.join(dir, 'b.db'), { TRACELITE_ZIPKIN_PORT: '0' });
      servers.push(b);
      env = { TRACELITE_FORWARD: b.otlpUrl };
    } else if (forward === 'dead') env = { TRACELITE_FORWARD: await deadUrl() };
    const a = await startServer(path.join(dir, 'a.db'), { TRACELITE_ZIPKIN_PORT: '0', ...env });
    servers.unshift(a);
    const cpuSince = cpuMeter(a.pid);
    const load = await sendLoad({ url: `${a.otlpUrl}/v1/traces`, encoding: 'protobuf', senders: 8, ms: RUN_MS, nextSend: cycling(requests, shapes, 'protobuf'), expected: new Map() });
    const cpu = cpuSince();
    const s = await getJson(keepAliveAgent(1), `${a.uiUrl}/api/forwarding`);
    console.log(
      `  ${name.padEnd(22)} ${f(load.acknowledged / load.seconds).padStart(8)} spans/s  p99 ${f(quantile(load.latencies, 0.99)).padStart(5)} ms  ` +
        `A ${cpu.server.toFixed(2)} cores, others ${cpu.others.toFixed(2)}  refused ${load.refusals}` +
        (s.enabled ? `  | sent ${f(s.sent.spans)}, queued ${f(s.queue.spans)}, dropped ${f(s.dropped.spans)}, retried ${s.retried}` : ''),
    );
  } finally {
    for (const s of servers) await stopServer(s);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const requests = makeRequests('realistic', 120, 1);
const shapes = traceShapes(requests);
console.log(`node ${process.version}, realistic protobuf ×8 senders, ${RUN_MS} ms a cell`);
await cell('no forwarding', requests, shapes, 'none');
await cell('forwarding to B', requests, shapes, 'live');
await cell('forwarding, dead port', requests, shapes, 'dead');
