import { randomBytes } from 'node:crypto';

/**
 * The CLIENT span `tracelite check` records for its one request, hand-built as OTLP/JSON: one span does not
 * justify an SDK at run time. Attribute names follow the current HTTP semantic conventions.
 */

export interface TraceContext {
  traceId: string;
  spanId: string;
  /** W3C traceparent, version 00, sampled: 00-<trace-id>-<parent-id>-01. */
  traceparent: string;
}

/** Random IDs from crypto.randomBytes; all-zero IDs are invalid (W3C), so they are drawn again. */
export function newTraceContext(): TraceContext {
  const hex = (bytes: number) => {
    for (;;) {
      const id = randomBytes(bytes).toString('hex');
      if (!/^0+$/.test(id)) return id;
    }
  };
  const traceId = hex(16);
  const spanId = hex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

export interface ClientCall {
  ctx: TraceContext;
  method: string;
  url: URL;
  startNs: bigint;
  endNs: bigint;
  /** Undefined when no response came (network error or timeout). */
  status?: number;
  /** Why there was no response: ECONNREFUSED, timeout, … */
  errorType?: string;
}

export const CHECK_SERVICE = 'tracelite-check';

type AnyValue = { stringValue: string } | { intValue: string };

export function otlpJsonRequest(call: ClientCall, version: string): string {
  const attrs: Array<{ key: string; value: AnyValue }> = [];
  const str = (key: string, v: string) => attrs.push({ key, value: { stringValue: v } });
  const int = (key: string, v: number) => attrs.push({ key, value: { intValue: String(v) } });
  str('http.request.method', call.method);
  str('url.full', call.url.href);
  str('server.address', call.url.hostname.replace(/^\[|\]$/g, ''));
  int('server.port', Number(call.url.port || (call.url.protocol === 'https:' ? 443 : 80)));
  if (call.status !== undefined) int('http.response.status_code', call.status);
  if (call.errorType !== undefined) str('error.type', call.errorType);
  else if (call.status !== undefined && call.status >= 400) str('error.type', String(call.status));
  // A client span is an error on a network failure or any status of 400 and above (semantic conventions).
  const failed = call.status === undefined || call.status >= 400;
  const span = {
    traceId: call.ctx.traceId,
    spanId: call.ctx.spanId,
    parentSpanId: '',
    name: call.method, // "{method}": there is no low-cardinality url.template for an arbitrary URL
    kind: 3, // CLIENT
    startTimeUnixNano: String(call.startNs),
    endTimeUnixNano: String(call.endNs),
    attributes: attrs,
    status: failed ? { code: 2, message: call.errorType ?? '' } : {},
    flags: 0x101, // sampled; 0x100 = "parent remoteness known": this is a root, with no parent at all
  };
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: CHECK_SERVICE } }] },
        scopeSpans: [{ scope: { name: 'tracelite-check', version }, spans: [span] }],
      },
    ],
  });
}

/** Epoch nanoseconds with sub-millisecond resolution: Date.now() once, then the monotonic clock. */
export function nanoClock(): () => bigint {
  const epoch = BigInt(Date.now()) * 1_000_000n;
  const hr = process.hrtime.bigint();
  return () => epoch + (process.hrtime.bigint() - hr);
}
