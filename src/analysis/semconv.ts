import { HTTP_STATUS_KEYS } from '../model/failure.js';
import { callTargetOf, first as firstOf, num, serverAddressOf, str, type CallTarget } from '../model/semconv.js';
import { SpanKind, type AttrValue, type Span } from '../model/span.js';

/** Reading semantic-convention attributes: current names first, then the legacy aliases (reference §8). */

function first(span: Span, keys: readonly string[]): AttrValue | undefined {
  return firstOf((k) => span.attributes[k], keys);
}

export function httpStatus(span: Span): number | undefined {
  return num(first(span, HTTP_STATUS_KEYS));
}

/** Failed, by the one definition (model/failure.ts) that ingest decided and stored with the span. */
export function isError(span: Span): boolean {
  return span.error;
}

export function isOutgoing(span: Span): boolean {
  return span.kind === SpanKind.CLIENT || span.kind === SpanKind.PRODUCER;
}

export function isIncoming(span: Span): boolean {
  return span.kind === SpanKind.SERVER || span.kind === SpanKind.CONSUMER;
}

export type { CallTarget } from '../model/semconv.js';
export { sameHost } from '../model/semconv.js';

/** Where an outgoing call went, by the rules ingest applies too (model/semconv.ts). */
export function callTarget(span: Span): CallTarget | undefined {
  return callTargetOf((k) => span.attributes[k]);
}

/** The address a SERVER span was reached at (`server.address`/`server.port`, legacy `net.host.*`, `http.host`). */
export function serverAddress(span: Span): { host?: string; port?: number } {
  return serverAddressOf((k) => span.attributes[k]);
}

/** The first `exception` event: type, message and stack trace. */
export function exceptionOf(span: Span): { type: string; message: string; stacktrace: string } | null {
  const e = span.events.find((ev) => ev.name === 'exception');
  if (!e) return null;
  return {
    type: str(e.attributes['exception.type']) ?? '',
    message: str(e.attributes['exception.message']) ?? '',
    stacktrace: str(e.attributes['exception.stacktrace']) ?? '',
  };
}

/**
 * What a call asked for, as its own (client-side) attributes tell, in a form that is the same for every call of
 * one operation: `/items/1` and `/items/2` are one operation, so an N+1 loop shows as N of the same call. In
 * order: the URL template, the query text (whitespace collapsed: the same query indented twice is one query),
 * the RPC method, the HTTP method with the URL path's ID-like segments as `{id}`, else the span name.
 * `call-operation.ts` asks the callee first, when it sent spans.
 */
export function callOperation(span: Span): string {
  const template = str(first(span, ['url.template', 'http.route']));
  const method = str(first(span, ['http.request.method', 'http.method']));
  if (template) return method ? `${method} ${template}` : template;
  const query = str(first(span, ['db.query.text', 'db.statement']));
  if (query) return query.replace(/\s+/g, ' ').trim();
  const rpc = str(first(span, ['rpc.method']));
  if (rpc) {
    const service = str(first(span, ['rpc.service']));
    return service ? `${service}/${rpc}` : rpc;
  }
  const path = urlPath(span);
  if (path) return method ? `${method} ${templatePath(path)}` : templatePath(path);
  return span.name;
}

/** The path of the URL a client span called, without query or fragment. */
function urlPath(span: Span): string | undefined {
  const path = str(first(span, ['url.path']));
  if (path) return path;
  const url = str(first(span, ['url.full', 'http.url']));
  if (url) {
    try {
      return new URL(url).pathname;
    } catch {
      // Not an absolute URL: fall through to the legacy target.
    }
  }
  return str(first(span, ['http.target']))?.split(/[?#]/)[0] || undefined;
}

/** Numbers, UUIDs and long hex strings (object IDs, hashes): segments that name one record among many. */
const ID_SEGMENT = /^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=[a-f]*\d)[0-9a-f]{12,})$/i;

/** `/users/42/orders/5f1d7c0e9b3a4e21a0c8d7f6` → `/users/{id}/orders/{id}`. */
export function templatePath(path: string): string {
  return path
    .split('/')
    .map((seg) => (ID_SEGMENT.test(seg) ? '{id}' : seg))
    .join('/');
}

/** The exact request a call sent, as far as its attributes tell (full URL, query text); undefined if they do not. */
export function requestText(span: Span): string | undefined {
  return str(first(span, ['url.full', 'http.url', 'db.query.text', 'db.statement', 'http.target']));
}
