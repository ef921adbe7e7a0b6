import { HTTP_STATUS_KEYS } from '../model/failure.js';
import { SpanKind, type AttrValue, type Span } from '../model/span.js';

/** Reading semantic-convention attributes: current names first, then the legacy aliases (reference §8). */

function str(v: AttrValue | undefined): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

function num(v: AttrValue | undefined): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

function first(span: Span, keys: readonly string[]): AttrValue | undefined {
  for (const k of keys) {
    const v = span.attributes[k];
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
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

/** Where an outgoing call went, as far as its attributes tell. */
export interface CallTarget {
  /** A service name the caller gave its peer (`service.peer.name`, `peer.service`). */
  service?: string;
  host?: string;
  port?: number;
  /** Messaging destination, for PRODUCER spans. */
  destination?: string;
  /** What to show: the peer service, else host:port, else the URL's host, else the destination. */
  label: string;
}

export function callTarget(span: Span): CallTarget | undefined {
  const service = str(first(span, ['service.peer.name', 'peer.service']));
  let host = str(first(span, ['server.address', 'net.peer.name', 'net.sock.peer.addr', 'network.peer.address']));
  let port = num(first(span, ['server.port', 'net.peer.port', 'net.sock.peer.port', 'network.peer.port']));
  const url = str(first(span, ['url.full', 'http.url']));
  if (url && (!host || port === undefined)) {
    try {
      const u = new URL(url);
      host ??= u.hostname.replace(/^\[|\]$/g, '');
      port ??= u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : u.protocol === 'http:' ? 80 : undefined;
    } catch {
      // Not a URL after all; the other attributes stand.
    }
  }
  const destination = str(first(span, ['messaging.destination.name']));
  const label = service ?? (host ? (port !== undefined ? `${host}:${port}` : host) : destination);
  if (!label) return undefined;
  return { service, host, port, destination, label };
}

/** The address a SERVER span was reached at (`server.address`/`server.port`, legacy `net.host.*`, `http.host`). */
export function serverAddress(span: Span): { host?: string; port?: number } {
  let host = str(first(span, ['server.address', 'net.host.name']));
  let port = num(first(span, ['server.port', 'net.host.port']));
  const hostHeader = str(first(span, ['http.host']));
  if (hostHeader) {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader);
    if (m) {
      host ??= m[1].replace(/^\[|\]$/g, '');
      if (port === undefined && m[2]) port = Number(m[2]);
    }
  }
  return { host, port };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '::']);

/** Same host, treating every loopback spelling as one. */
export function sameHost(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x === y || (LOOPBACK.has(x) && LOOPBACK.has(y)) || (x.startsWith('127.') && y.startsWith('127.'));
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
