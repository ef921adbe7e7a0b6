import { calleeMatches } from '../model/semconv.js';
import type { Span } from '../model/span.js';
import { callTarget, isIncoming, serverAddress, type CallTarget } from './semconv.js';

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

/** model/semconv.ts calleeMatches on a stored span. */
export function targetMatches(client: Span, target: CallTarget, candidate: Span): boolean {
  const destination = candidate.attributes['messaging.destination.name'];
  return calleeMatches(client.kind, target, {
    service: candidate.service,
    ...serverAddress(candidate),
    destination: typeof destination === 'string' ? destination : undefined,
  });
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
