// HTTP for the bench: node:http keep-alive agents only (no load-generator dependency), an exporter's send loop
// (503/429 → wait Retry-After → send the same body again), timed GETs and percentiles.
import http from 'node:http';
import { rejectedSpans } from './otlp-walk.js';

export const TYPES = { protobuf: 'application/x-protobuf', json: 'application/json' };
/** An exporter gives up on a request this long after its deadline (then it counts as abandoned). */
const GIVE_UP_MS = 60_000;

export function keepAliveAgent(sockets) {
  return new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

/** No answer in this long is an error (code ETIMEDOUT), so a stuck server cannot hang the bench. */
const TIMEOUT_MS = 300_000;

/** One request; resolves to { status, headers, body } (the body fully read). Rejects on socket errors. */
export function request(agent, url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method, headers, timeout: TIMEOUT_MS }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer in ${TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

/** Retry-After in ms: seconds or an HTTP date; 1 s when absent or unreadable (what the OTLP exporters assume). */
function retryAfterMs(value) {
  if (value === undefined) return 1000;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : 1000;
}

/** Spans the server refused inside a 200 (OTLP partial success), in the request's encoding. */
function rejectedIn(encoding, body) {
  if (body.length === 0) return 0;
  if (encoding === 'protobuf') return rejectedSpans(body);
  const ps = JSON.parse(body.toString()).partialSuccess ?? JSON.parse(body.toString()).partial_success;
  return Number(ps?.rejectedSpans ?? ps?.rejected_spans ?? 0);
}

/**
 * Sends one export as an OTLP exporter does: retryable answers (429, 502, 503, 504) wait Retry-After and send the
 * same body again. Resolves to { ok, rejected, refusals, failed, ms } where ms runs from the first send to the
 * final answer (back-off included), as the exporter sees it.
 */
export async function exportOnce(agent, url, encoding, body, deadline) {
  const t0 = performance.now();
  const headers = { 'content-type': TYPES[encoding], 'content-length': body.length };
  let refusals = 0;
  for (;;) {
    let res;
    try {
      res = await request(agent, url, { method: 'POST', headers, body });
    } catch (err) {
      return { ok: false, failed: `socket: ${err.code ?? err.message}`, refusals, ms: performance.now() - t0 };
    }
    if (res.status === 200) {
      return { ok: true, rejected: rejectedIn(encoding, res.body), refusals, ms: performance.now() - t0 };
    }
    if (![429, 502, 503, 504].includes(res.status)) {
      return { ok: false, failed: `HTTP ${res.status}`, refusals, ms: performance.now() - t0 };
    }
    refusals++;
    if (Date.now() > deadline + GIVE_UP_MS) return { ok: false, failed: 'abandoned', refusals, ms: performance.now() - t0 };
    await new Promise((r) => setTimeout(r, retryAfterMs(res.headers['retry-after'])));
  }
}

/** GET url, body read to the end; resolves to { status, ms, bytes }. */
export async function timedGet(agent, url) {
  const t0 = performance.now();
  const res = await request(agent, url);
  return { status: res.status, ms: performance.now() - t0, bytes: res.body.length, body: res.body };
}

export async function getJson(agent, url) {
  const res = await request(agent, url);
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status} ${res.body.toString().slice(0, 200)}`);
  return JSON.parse(res.body.toString());
}

/** The q-quantile (0..1) of numbers, nearest rank. */
export function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
