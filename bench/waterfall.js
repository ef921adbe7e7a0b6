// The trace page on big traces: tracelite started on a fresh database, one SDK-made trace of each size in
// BENCH_WATERFALL_SIZES (default 2026,10000; bench/big-traces.js) sent, then each read below over HTTP on a
// keep-alive connection, BENCH_RUNS (default 20) timed runs after 3 warm-ups: p50 of request → last byte, the
// response's size and the rows it draws (the DOM the browser has to lay out). Figures only, no thresholds.
//   node bench/waterfall.js          (TRACELITE_MAIN, BENCH_WATERFALL_SIZES, BENCH_RUNS)
import fs from 'node:fs';
import path from 'node:path';
import { bigTrace } from './big-traces.js';
import { exportOnce, keepAliveAgent, quantile, request, timedGet } from './http.js';
import { NO_LIMITS, startServer, stopServer, tempDir } from './server.js';

const SIZES = (process.env.BENCH_WATERFALL_SIZES ?? '2026,10000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const HX = { 'hx-request': 'true', 'hx-request-type': 'partial' };

const dir = tempDir('waterfall-bench');
const server = await startServer(path.join(dir, 'bench.db'), NO_LIMITS);
const agent = keepAliveAgent(1);
try {
  const traces = [];
  for (const size of SIZES) {
    const { traceId, requests } = bigTrace(size, Date.now() - 60_000);
    for (const r of requests) {
      const res = await exportOnce(agent, `${server.otlpUrl}/v1/traces`, 'protobuf', r.protobuf.buf, Date.now() + 30_000);
      if (!res.ok) throw new Error(`export failed: ${res.failed}`);
    }
    traces.push({ size, traceId });
  }
  // The writer thread commits asynchronously: wait until each trace reads back whole.
  for (const t of traces) {
    for (let i = 0; ; i++) {
      const res = await timedGet(agent, `${server.uiUrl}/api/traces/${t.traceId}`);
      if (res.status === 200 && countSpans(JSON.parse(res.body.toString())) === t.size) break;
      if (i > 300) throw new Error(`trace ${t.traceId} did not arrive whole`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const rows = [];
  for (const t of traces) {
    const page = (await timedGet(agent, `${server.uiUrl}/trace/${t.traceId}`)).body.toString();
    const lazy = /hx-get="(\/trace\/[0-9a-f]+\/subtree\/[0-9a-f]{16})" hx-trigger="intersect once"/.exec(page)?.[1];
    const errorId = /data-errors="([0-9a-f]{16})?/.exec(page)?.[1];
    const reads = [
      ['page', `/trace/${t.traceId}`, {}],
      ['zoomed to 10 %', `/trace/${t.traceId}?from=0&to=${(durationMs(page) / 10).toFixed(3)}`, HX],
      lazy && ['subtree fragment', lazy, HX],
      errorId && ['reveal an error (e)', `/trace/${t.traceId}?reveal=${errorId}`, HX],
      ['find "POST"', `/trace/${t.traceId}?find=POST`, HX],
    ].filter(Boolean);
    for (const [name, url, headers] of reads) {
      const ms = [];
      let last;
      for (let i = 0; i < RUNS + 3; i++) {
        last = await get(agent, `${server.uiUrl}${url}`, headers);
        if (i >= 3) ms.push(last.ms);
      }
      const body = last.body.toString();
      rows.push({
        trace: `${t.size.toLocaleString('en')} spans`,
        read: name,
        p50: quantile(ms, 0.5).toFixed(1),
        kb: (last.bytes / 1024).toFixed(0),
        rows: (body.match(/class="wf-row/g) ?? []).length,
        minimapRects: (body.match(/<rect /g) ?? []).length,
      });
    }
  }
  console.table(rows);
} finally {
  await stopServer(server);
  fs.rmSync(dir, { recursive: true, force: true });
}

function countSpans(trace) {
  return trace.spans?.length ?? 0;
}

function durationMs(page) {
  return Number(/data-total-ms="([\d.]+)"/.exec(page)?.[1] ?? 1000);
}

async function get(agent, url, headers) {
  const t0 = performance.now();
  const res = await request(agent, url, { headers });
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return { ms: performance.now() - t0, bytes: res.body.length, body: res.body };
}
