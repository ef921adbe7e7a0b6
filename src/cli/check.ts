import { packageVersion } from '../paths.js';
import { checkUsage, parseCheckArgs, UsageError, type CheckOptions } from './check-options.js';
import { newTraceContext, nanoClock, otlpJsonRequest, type ClientCall } from './client-span.js';
import { renderTree, type ApiSpan } from './trace-print.js';

/**
 * `tracelite check`: one request with a fresh sampled traceparent, our own CLIENT span for it exported to
 * tracelite, a wait until the trace stops growing, then the tree and the chain verdict. For CI pipelines:
 * exit 0 = the chain holds, 1 = a link is missing (named), 2 = usage or connection problem.
 */

/** Connection problems (URL or server unreachable, server not tracelite) end with status 2 like usage errors. */
class ConnectionError extends Error {}

interface ChainResult {
  ok: boolean;
  paths: string[][];
  missing: Array<{ from: string; to: string; reason: string }>;
}

const POLL_EVERY_MS = 500;

export async function runCheck(argv: readonly string[]): Promise<number> {
  try {
    const opts = parseCheckArgs(argv);
    if (opts === 'help') {
      console.log(checkUsage());
      return 0;
    }
    return await check(opts);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`tracelite check: ${err.message}\nRun tracelite check --help for the flags.`);
      return 2;
    }
    if (err instanceof ConnectionError) {
      console.error(`tracelite check: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

async function check(opts: CheckOptions): Promise<number> {
  const api = (path: string) => new URL(path, opts.server).href;
  await probeServer(api('/api/services'), opts.server.href);

  const call = await sendRequest(opts);
  const exported = await request(api('/v1/traces'), 'tracelite', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: otlpJsonRequest(call, packageVersion()),
  });
  if (exported.status !== 200) throw new ConnectionError(`${api('/v1/traces')} refused our span (${exported.status}): is --server tracelite?`);
  const took = Number(call.endNs - call.startNs) / 1e6;
  if (call.status === undefined) {
    throw new ConnectionError(`cannot reach --url ${opts.url.href}: ${call.errorType} (trace ${call.ctx.traceId})`);
  }
  console.log(`${opts.method} ${opts.url.href} → ${call.status} in ${took.toFixed(1)} ms, trace ${call.ctx.traceId}`);

  const { spans, settled } = await waitForTrace(api(`/api/traces/${call.ctx.traceId}`), opts);
  console.log(`${spans.length} span${spans.length === 1 ? '' : 's'}${settled ? '' : ` (still growing after --timeout ${opts.timeoutMs} ms)`}:`);
  for (const line of renderTree(spans)) console.log(line);

  const chainUrl = api(`/api/traces/${call.ctx.traceId}/chain?expect=${encodeURIComponent(opts.expect.join(','))}`);
  const res = await request(chainUrl, 'tracelite');
  if (res.status !== 200) throw new ConnectionError(`${chainUrl} answered ${res.status}: this tracelite has no chain check`);
  const chain = (await res.json()) as ChainResult;
  if (chain.ok) {
    console.log(`✓ chain ${opts.expect.join(' → ')} holds`);
    return 0;
  }
  for (const m of chain.missing) console.log(`✗ missing link ${m.from ? `${m.from} → ` : ''}${m.to}: ${m.reason}`);
  if (chain.missing.length === 0) console.log(`✗ chain ${opts.expect.join(' → ')} does not hold`);
  return 1;
}

/** Before touching --url: is --server reachable, and is it tracelite? */
async function probeServer(url: string, server: string): Promise<void> {
  const res = await request(url, 'tracelite');
  const body = res.status === 200 ? await res.json().catch(() => undefined) : undefined;
  if (!body || !Array.isArray((body as { services?: unknown }).services)) {
    throw new ConnectionError(`--server ${server} is not tracelite (GET /api/services answered ${res.status})`);
  }
}

async function sendRequest(opts: CheckOptions): Promise<ClientCall> {
  const ctx = newTraceContext();
  const now = nanoClock();
  const startNs = now();
  try {
    const res = await fetch(opts.url, {
      method: opts.method,
      headers: { traceparent: ctx.traceparent },
      redirect: 'manual', // one request, one span: a redirect is the answer, not a second call
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    await res.arrayBuffer(); // the span ends when the whole response has arrived
    return { ctx, method: opts.method, url: opts.url, startNs, endNs: now(), status: res.status };
  } catch (err) {
    return { ctx, method: opts.method, url: opts.url, startNs, endNs: now(), errorType: errorType(err) };
  }
}

/** Polls until the span count has not changed for --settle, or --timeout passes. */
async function waitForTrace(url: string, opts: CheckOptions): Promise<{ spans: ApiSpan[]; settled: boolean }> {
  const deadline = Date.now() + opts.timeoutMs;
  let spans: ApiSpan[] = [];
  let changedAt = Date.now();
  for (;;) {
    const res = await request(url, 'tracelite');
    if (res.status === 200) {
      const body = (await res.json()) as { spans: ApiSpan[] };
      if (body.spans.length !== spans.length) changedAt = Date.now();
      spans = body.spans;
    } else if (res.status !== 404) {
      throw new ConnectionError(`${url} answered ${res.status}`);
    }
    if (spans.length > 0 && Date.now() - changedAt >= opts.settleMs) return { spans, settled: true };
    if (Date.now() >= deadline) return { spans, settled: false };
    await new Promise((r) => setTimeout(r, POLL_EVERY_MS));
  }
}

async function request(url: string, what: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new ConnectionError(`cannot reach ${what} at ${url}: ${errorType(err)}`);
  }
}

/** fetch hides the reason in `cause`: ECONNREFUSED, ENOTFOUND, … */
function errorType(err: unknown): string {
  const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e.name === 'TimeoutError') return 'timeout';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
