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

/** The operation of a call, for spotting repeated identical calls: route or path or query, else the span name. */
export function callOperation(span: Span): string {
  return (
    str(first(span, ['db.query.text', 'db.statement', 'url.full', 'http.url', 'http.route', 'url.path', 'rpc.method'])) ??
    span.name
  );
}
