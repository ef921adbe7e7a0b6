import { SpanKind, type Span } from '../model/span.js';
import { callOperation, isError, isIncoming, requestText } from './semconv.js';
import type { SpanNode } from './types.js';

/**
 * The operation of one outgoing call, for telling "the same call made again" from a different one. The
 * callee knows best: when it sent spans, its SERVER span carries the route it matched (`GET /items/{id}`),
 * which no client-side guess beats. Otherwise the caller's attributes tell (semconv.ts `callOperation`).
 */
export function operationOf(call: SpanNode): string {
  if (isIncoming(call.span)) return serverOperation(call.span) ?? callOperation(call.span);
  for (const c of call.children) {
    if (c.span.service === call.span.service || !isIncoming(c.span)) continue;
    const op = serverOperation(c.span);
    if (op) return op;
  }
  return callOperation(call.span);
}

/** Span names the HTTP instrumentation gives a server span before any framework names the route. */
const BARE_METHOD = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|CONNECT|TRACE|_OTHER)$/;

/**
 * A SERVER/CONSUMER span's operation: method and route when the framework recorded `http.route`, else its
 * name — unless the name is a bare method ("GET"), which every call to that service would share.
 */
function serverOperation(span: Span): string | undefined {
  const route = span.attributes['http.route'];
  const m = span.attributes['http.request.method'] ?? span.attributes['http.method'];
  const method = typeof m === 'string' && m !== '' ? m : undefined;
  if (typeof route === 'string' && route !== '') {
    if (method) return `${method} ${route}`;
    // Without the method attribute, a name like "GET /items/:id" still has it.
    return span.name.endsWith(` ${route}`) ? span.name : route;
  }
  if (span.kind === SpanKind.SERVER && BARE_METHOD.test(span.name)) return undefined;
  return span.name;
}

/**
 * A retry, not a second call: the previous attempt failed and this one sent the same request (same URL or
 * query; when neither side says, a failed call repeated at once is a retry too). A retry loop is not an N+1
 * loop, and "batch them" would be wrong advice for it.
 */
export function isRetry(call: SpanNode, previous: SpanNode): boolean {
  return isError(previous.span) && requestText(previous.span) === requestText(call.span);
}
