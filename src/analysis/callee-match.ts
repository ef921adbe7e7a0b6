import { SpanKind, type Span } from '../model/span.js';
import { callTarget, isIncoming, sameHost, serverAddress, type CallTarget } from './semconv.js';

/**
 * Matching a leaf CLIENT/PRODUCER span to the root SERVER/CONSUMER span of another trace that handled the same
 * call (reference §4, "propagation lost"). Shared by the per-trace propagation check and the dependency graph,
 * so both call the same thing a broken link.
 */

/** How far a callee's start may lie outside its client's [start, end]: clocks of two hosts disagree a little. */
export const DEFAULT_SKEW_NS = 50_000_000n;

/** Candidates sorted by start, so each client looks only at the few inside its time window. */
export interface CandidateIndex {
  spans: Span[];
  /** Keys (traceId/spanId) of candidates already given to an earlier client: one handled call, one caller. */
  used: Set<string>;
}

export function indexCandidates(candidates: readonly Span[]): CandidateIndex {
  const spans = candidates.filter(isIncoming).sort(byStart);
  return { spans, used: new Set() };
}

export interface CalleeMatch {
  callee: Span;
  target: CallTarget;
}

/**
 * The candidate that handled `client`'s call: inside [start − skew, end + skew], in another trace, with the
 * called service, address or destination; the one starting closest to the client wins. Marks it used.
 */
export function matchCallee(client: Span, index: CandidateIndex, skewNs = DEFAULT_SKEW_NS): CalleeMatch | undefined {
  const target = callTarget(client);
  if (!target) return undefined;
  const from = client.startTimeUnixNano - skewNs;
  const to = client.endTimeUnixNano + skewNs;
  let best: Span | undefined;
  let bestGap = 0n;
  for (let i = lowerBound(index.spans, from); i < index.spans.length; i++) {
    const c = index.spans[i];
    if (c.startTimeUnixNano > to) break;
    if (c.traceId === client.traceId || index.used.has(key(c)) || !targetMatches(client, target, c)) continue;
    const gap = abs(c.startTimeUnixNano - client.startTimeUnixNano);
    if (!best || gap < bestGap) {
      best = c;
      bestGap = gap;
    }
  }
  if (!best) return undefined;
  index.used.add(key(best));
  return { callee: best, target };
}

/**
 * A peer service name is the strongest evidence; an address is tried too, because a peer.service label may not
 * spell the callee's service.name the same way. Producers match on the destination they published to.
 */
export function targetMatches(client: Span, target: CallTarget, candidate: Span): boolean {
  if (client.kind === SpanKind.PRODUCER && target.destination !== undefined) {
    return candidate.attributes['messaging.destination.name'] === target.destination;
  }
  if (target.service !== undefined && target.service.toLowerCase() === candidate.service.toLowerCase()) return true;
  return addressMatches(target, serverAddress(candidate));
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1'];

function addressMatches(target: CallTarget, addr: { host?: string; port?: number }): boolean {
  const portsKnown = target.port !== undefined && addr.port !== undefined;
  if (portsKnown && target.port !== addr.port) return false;
  if (target.host !== undefined && addr.host !== undefined) return sameHost(target.host, addr.host);
  // The callee knows only its port (typical of a bare Node http server): enough when the client called loopback,
  // where the port alone names the process; on a real network many hosts share a port.
  return portsKnown && (target.host === undefined || LOOPBACK_NAMES.some((h) => sameHost(h, target.host!)));
}

function key(s: Span): string {
  return `${s.traceId}/${s.spanId}`;
}

function byStart(a: Span, b: Span): number {
  if (a.startTimeUnixNano !== b.startTimeUnixNano) return a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

function lowerBound(spans: Span[], ns: bigint): number {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (spans[mid].startTimeUnixNano < ns) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** First 8 hex digits and an ellipsis: enough to recognise an id in a sentence. */
export function shortId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 8)}…` : id;
}
