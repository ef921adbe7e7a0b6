// Every acknowledged span counted back through the REST API (so it holds for any schema): all trace summaries
// paged newest-first through GET /api/traces (spanCount per trace), then every trace that came back short, and a
// random sample of the others, read whole through GET /api/traces/{id} and its spans counted.
import { getJson, keepAliveAgent, request } from './http.js';
import { rng } from './workload.js';

const PAGE = 1000;
const SAMPLE = 200;
const REREAD_MAX = 2000;

/** Spans of one trace as GET /api/traces/{id} returns them (0 when it answers 404). */
async function spansById(agent, uiUrl, traceId) {
  const res = await request(agent, `${uiUrl}/api/traces/${traceId}`);
  if (res.status === 404) return 0;
  if (res.status !== 200) throw new Error(`GET /api/traces/${traceId}: HTTP ${res.status}`);
  return JSON.parse(res.body.toString()).spans.length;
}

/** traceId → spanCount of every stored trace, from the search API's summaries. */
async function summaries(agent, uiUrl) {
  const counts = new Map();
  let cursor = null;
  do {
    const q = `limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await getJson(agent, `${uiUrl}/api/traces?${q}`);
    for (const t of page.traces) counts.set(t.traceId, t.spanCount);
    cursor = page.nextCursor;
  } while (cursor);
  return counts;
}

/**
 * `expected`: traceId → spans acknowledged for it. Resolves to { acknowledged, stored (all spans the summaries
 * count), missing, short (traces short after the re-read), reread, sampleMismatches, ms }.
 */
export async function countStored(uiUrl, expected) {
  const t0 = performance.now();
  const agent = keepAliveAgent(1);
  const counts = await summaries(agent, uiUrl);
  let stored = 0;
  for (const n of counts.values()) stored += n;
  let acknowledged = 0;
  const suspects = [];
  for (const [id, n] of expected) {
    acknowledged += n;
    if ((counts.get(id) ?? 0) < n) suspects.push(id);
  }
  // A short summary is not yet a lost span: read the trace itself (after a moment, for an asynchronous store).
  if (suspects.length) await new Promise((r) => setTimeout(r, 2000));
  let missing = 0;
  let short = 0;
  const reread = new Set(suspects);
  for (const [i, id] of suspects.entries()) {
    // Beyond REREAD_MAX short traces the summaries' counts are taken as they are.
    const got = i < REREAD_MAX ? await spansById(agent, uiUrl, id) : (counts.get(id) ?? 0);
    if (got < expected.get(id)) (missing += expected.get(id) - got), short++;
  }
  // The summaries' counts are checked against the traces themselves on a sample.
  const r = rng(7);
  const ids = [...expected.keys()];
  const sample = new Set();
  while (sample.size < Math.min(SAMPLE, ids.length)) sample.add(ids[Math.floor(r() * ids.length)]);
  let sampleMismatches = 0;
  for (const id of sample) {
    const got = await spansById(agent, uiUrl, id);
    if (got !== (counts.get(id) ?? 0)) sampleMismatches++;
    if (got < expected.get(id) && !reread.has(id)) (missing += expected.get(id) - got), short++;
  }
  agent.destroy();
  return { acknowledged, stored, traces: counts.size, missing, short, reread: suspects.length, sampleMismatches,
    ms: performance.now() - t0 }; // prettier-ignore
}
