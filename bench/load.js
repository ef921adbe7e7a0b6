// The load: `senders` exporters, each one keep-alive connection sending one request at a time, until a deadline
// or until there is nothing more to send. Each send gets unique trace IDs (workload.js `fresh`); what was
// acknowledged is remembered per trace so bench/count.js can look for every span afterwards.
import { exportOnce, keepAliveAgent } from './http.js';
import { fresh } from './workload.js';
import { walkRequest } from './otlp-walk.js';

/** Per distinct request: its spans per trace, by trace ID without the 8 hex digits `fresh` rewrites. */
export function traceShapes(requests) {
  return requests.map((req) => {
    const perTrace = new Map();
    for (const row of walkRequest(req.protobuf.buf).rows) {
      const tail = row.traceId.slice(8);
      perTrace.set(tail, (perTrace.get(tail) ?? 0) + 1);
    }
    return [...perTrace];
  });
}

export const sendPrefix = (n) => (n >>> 0).toString(16).padStart(8, '0');

/** What send n of `requests` carries: its bytes (fresh trace IDs), spans, and spans per trace ID. */
export function cycling(requests, shapes, encoding) {
  return (n) => {
    const i = n % requests.length;
    const prefix = sendPrefix(n);
    const traces = () => shapes[i].map(([tail, count]) => [prefix + tail, count]);
    return { body: fresh(requests[i][encoding], n), spans: requests[i].spans, traces };
  };
}

/**
 * opts: { url, encoding, senders, ms (how long to send), nextSend(n) → { body, spans, traces() } or null when there
 * is nothing more to send, expected (a Map traceId → spans acknowledged, to fill; optional), onAck(spans),
 * onLatency(ms), transport (optional: { exportOnce(body, deadline, sender), close() }, e.g. bench/grpc.js; default
 * OTLP/HTTP to url, one keep-alive socket per sender) }.
 */
export async function sendLoad(opts) {
  const { url, encoding, senders, expected } = opts;
  const transport = opts.transport ?? httpTransport(url, encoding, senders);
  const deadline = Date.now() + opts.ms;
  const out = { requests: 0, acknowledged: 0, rejected: 0, refusals: 0, failed: {}, latencies: [] };
  let next = 0;
  const t0 = performance.now();
  async function sender(_, i) {
    while (Date.now() < deadline) {
      const send = opts.nextSend(next++);
      if (!send) return;
      const res = await transport.exportOnce(send.body, deadline, i);
      out.requests++;
      out.refusals += res.refusals;
      if (!res.ok) {
        out.failed[res.failed] = (out.failed[res.failed] ?? 0) + 1;
        continue;
      }
      out.latencies.push(res.ms);
      opts.onLatency?.(res.ms);
      out.acknowledged += send.spans - res.rejected;
      out.rejected += res.rejected;
      // With a partial success we cannot tell which spans were kept: that request's spans are not looked for.
      if (expected && res.rejected === 0) for (const [id, count] of send.traces()) expected.set(id, count);
      opts.onAck?.(out.acknowledged);
    }
  }
  await Promise.all(Array.from({ length: senders }, sender));
  out.seconds = (performance.now() - t0) / 1000;
  transport.close();
  return out;
}

function httpTransport(url, encoding, senders) {
  const agent = keepAliveAgent(senders);
  return { exportOnce: (body, deadline) => exportOnce(agent, url, encoding, body, deadline), close: () => agent.destroy() };
}
