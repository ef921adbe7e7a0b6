import { SpanKind, type AttrValue } from './span.js';

/**
 * Semantic-convention readers (reference §8): current names first, then the legacy aliases. They take an
 * attribute getter, so ingest (reading JSON text without parsing it) and analysis (parsed attributes) apply
 * the same rules.
 */
export type AttrGet = (key: string) => AttrValue | undefined;

/** A non-empty string (numbers as their text), else undefined. */
export function str(v: AttrValue | undefined): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** A finite number (digit strings too), else undefined. */
export function num(v: AttrValue | undefined): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return undefined;
}

/** The first of `keys` with a value, current names first. */
export function first(get: AttrGet, keys: readonly string[]): AttrValue | undefined {
  for (const k of keys) {
    const v = get(k);
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

export const PEER_SERVICE_KEYS = ['service.peer.name', 'peer.service'] as const;
export const PEER_HOST_KEYS = ['server.address', 'net.peer.name', 'net.sock.peer.addr', 'network.peer.address'] as const;
export const PEER_PORT_KEYS = ['server.port', 'net.peer.port', 'net.sock.peer.port', 'network.peer.port'] as const;
export const URL_KEYS = ['url.full', 'http.url'] as const;
export const DESTINATION_KEYS = ['messaging.destination.name'] as const;

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

export function callTargetOf(get: AttrGet): CallTarget | undefined {
  const service = str(first(get, PEER_SERVICE_KEYS));
  let host = str(first(get, PEER_HOST_KEYS));
  let port = num(first(get, PEER_PORT_KEYS));
  const url = str(first(get, URL_KEYS));
  if (url && (!host || port === undefined)) {
    try {
      const u = new URL(url);
      host ??= u.hostname.replace(/^\[|\]$/g, '');
      port ??= u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : u.protocol === 'http:' ? 80 : undefined;
    } catch {
      // Not a URL after all; the other attributes stand.
    }
  }
  const destination = str(first(get, DESTINATION_KEYS));
  const label = service ?? (host ? (port !== undefined ? `${host}:${port}` : host) : destination);
  if (!label) return undefined;
  return { service, host, port, destination, label };
}

/** The address a SERVER span was reached at (`server.address`/`server.port`, legacy `net.host.*`, `http.host`). */
export function serverAddressOf(get: AttrGet): { host?: string; port?: number } {
  let host = str(first(get, ['server.address', 'net.host.name']));
  let port = num(first(get, ['server.port', 'net.host.port']));
  const hostHeader = str(first(get, ['http.host']));
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

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK.has(h) || h.startsWith('127.');
}

/** Same host, treating every loopback spelling as one. */
export function sameHost(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase() || (isLoopback(a) && isLoopback(b));
}

/**
 * One spelling of `host:port` for matching a client's target with the address a server was reached at:
 * lowercase, every loopback host as `localhost`. '' without both parts.
 */
export function endpointKey(host: string | undefined, port: number | undefined): string {
  if (!host || port === undefined) return '';
  return `${isLoopback(host) ? 'localhost' : host.toLowerCase()}:${port}`;
}

/**
 * The two ends of a call as ingest records them for the stats: whom an outgoing span called (its target's
 * label), and where an incoming span was reached (its endpointKey). '' when the span is neither or nothing tells.
 */
export function callEndsOf(kind: number, get: AttrGet): { callee: string; address: string } {
  if (kind === SpanKind.CLIENT || kind === SpanKind.PRODUCER) return { callee: callTargetOf(get)?.label ?? '', address: '' };
  if (kind === SpanKind.SERVER || kind === SpanKind.CONSUMER) {
    const { host, port } = serverAddressOf(get);
    return { callee: '', address: endpointKey(host, port) };
  }
  return { callee: '', address: '' };
}

/** How a call is named everywhere: its operation, then whom it called ("GET → inventory"). */
export function callLabel(name: string, callee: string): string {
  return callee === '' ? name : `${name} → ${callee}`;
}

/** endpointKey of a call target label ("127.0.0.1:3003"), or '' when the label is not host:port. */
export function labelEndpoint(label: string): string {
  const m = /^(.+):(\d{1,5})$/.exec(label);
  return m ? endpointKey(m[1].replace(/^\[|\]$/g, ''), Number(m[2])) : '';
}

/** What a callee span offers for matching a call that lost its trace: its service and where it was reached. */
export interface CalleeFacts {
  service: string;
  host?: string;
  port?: number;
  /** The messaging destination a CONSUMER span read from. */
  destination?: string;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1'];

/**
 * Did this callee handle a call to `target`? A peer service name is the strongest evidence; an address is tried
 * too, because a peer.service label may not spell the callee's service.name the same way. Producers match on the
 * destination they published to. Used by the trace view and the maintained service graph alike.
 */
export function calleeMatches(clientKind: number, target: CallTarget, callee: CalleeFacts): boolean {
  if (clientKind === SpanKind.PRODUCER && target.destination !== undefined) return callee.destination === target.destination;
  if (target.service !== undefined && target.service.toLowerCase() === callee.service.toLowerCase()) return true;
  const portsKnown = target.port !== undefined && callee.port !== undefined;
  if (portsKnown && target.port !== callee.port) return false;
  if (target.host !== undefined && callee.host !== undefined) return sameHost(target.host, callee.host);
  // The callee knows only its port (typical of a bare Node http server): enough when the client called loopback,
  // where the port alone names the process; on a real network many hosts share a port.
  return portsKnown && (target.host === undefined || LOOPBACK_NAMES.some((h) => sameHost(h, target.host!)));
}
