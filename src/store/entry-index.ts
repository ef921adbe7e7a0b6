import { calleeMatches, isLoopback, type CallTarget } from '../model/semconv.js';
import { SpanKind } from '../model/span.js';
import type { GraphSpan } from './service-graph.js';

/**
 * Entry spans (root or orphaned SERVER/CONSUMER spans) held for matching calls that lost their trace, indexed
 * by what a call can name them by — service, host:port, port, messaging destination — and by 10 ms of start
 * time, so deciding a call looks at the few entries that could match it, not at every entry of the last seconds
 * (with thousands of requests a second, a time window alone holds thousands). The match itself is
 * model/semconv.ts calleeMatches, the rule the trace view uses.
 */

const BUCKET_NS = 10_000_000n;
/** Entries compared per call at most, however many share its keys and time. */
const MAX_CANDIDATES = 64;

interface Bucket {
  spans: GraphSpan[];
  seenMs: number;
}

export class EntryIndex {
  private readonly byKey = new Map<string, Map<number, Bucket>>();
  private readonly used = new Set<string>();

  add(e: GraphSpan, nowMs: number): void {
    const bucket = Number(e.startNs / BUCKET_NS);
    for (const key of entryKeys(e)) {
      let buckets = this.byKey.get(key);
      if (!buckets) this.byKey.set(key, (buckets = new Map()));
      const b = buckets.get(bucket);
      if (b) {
        b.spans.push(e);
        b.seenMs = nowMs;
      } else buckets.set(bucket, { spans: [e], seenMs: nowMs });
    }
  }

  /**
   * The entry of another trace that handled the call: inside its time ± skew, the closest start wins; marked used.
   * Buckets are searched outwards from the call's start and the search stops once no nearer start can be left.
   */
  match(c: GraphSpan, target: CallTarget, skew: bigint): GraphSpan | undefined {
    const from = c.startNs - skew;
    const to = c.endNs + skew;
    const lists = callKeys(c.kind, target).map((k) => this.byKey.get(k)).filter((b): b is Map<number, Bucket> => b !== undefined);
    if (lists.length === 0) return undefined;
    const first = Number(from / BUCKET_NS);
    const last = Number(to / BUCKET_NS);
    const home = Number(c.startNs / BUCKET_NS);
    let best: GraphSpan | undefined;
    let bestGap = 0n;
    let looked = 0;
    for (let d = 0; home - d >= first || home + d <= last; d++) {
      // Every start in a bucket d away is at least (d - 1) buckets from the call's start.
      if (best && BigInt(d - 1) * BUCKET_NS > bestGap) break;
      if (looked >= MAX_CANDIDATES) break;
      for (const b of d === 0 ? [home] : [home - d, home + d]) {
        if (b < first || b > last) continue;
        for (const buckets of lists) {
          for (const e of buckets.get(b)?.spans ?? []) {
            if (e.startNs < from || e.startNs > to || e.trace === c.trace || ++looked > MAX_CANDIDATES) continue;
            if (this.used.has(`${e.trace}/${e.spanId}`) || !calleeMatches(c.kind, target, { service: e.service, ...e.reached })) continue;
            const gap = e.startNs > c.startNs ? e.startNs - c.startNs : c.startNs - e.startNs;
            if (!best || gap < bestGap) {
              best = e;
              bestGap = gap;
            }
          }
        }
      }
    }
    if (best) {
      this.used.add(`${best.trace}/${best.spanId}`);
      if (this.used.size > 1_000_000) this.used.clear();
    }
    return best;
  }

  /** Forgets entries last seen before `keepAfterMs`. */
  prune(keepAfterMs: number): void {
    for (const [key, buckets] of this.byKey) {
      for (const [b, bucket] of buckets) if (bucket.seenMs < keepAfterMs) buckets.delete(b);
      if (buckets.size === 0) this.byKey.delete(key);
    }
  }

  clear(): void {
    this.byKey.clear();
    this.used.clear();
  }
}

function entryKeys(e: GraphSpan): string[] {
  const keys = [`s:${e.service.toLowerCase()}`];
  const r = e.reached;
  if (r?.destination !== undefined) keys.push(`d:${r.destination}`);
  // calleeMatches compares hosts when both sides know theirs; the port alone counts only for a callee that
  // knows no host (a bare Node http server) called on loopback.
  if (r?.host !== undefined) keys.push(hostKey(r.host));
  else if (r?.port !== undefined) keys.push(`p:${r.port}`);
  return keys;
}

/** The keys under which an entry that calleeMatches this call must be filed. */
function callKeys(kind: number, t: CallTarget): string[] {
  if (kind === SpanKind.PRODUCER && t.destination !== undefined) return [`d:${t.destination}`];
  const keys: string[] = [];
  if (t.service !== undefined) keys.push(`s:${t.service.toLowerCase()}`);
  if (t.host !== undefined) keys.push(hostKey(t.host));
  if (t.port !== undefined && (t.host === undefined || isLoopback(t.host))) keys.push(`p:${t.port}`);
  return keys;
}

function hostKey(host: string): string {
  return `h:${isLoopback(host) ? 'localhost' : host.toLowerCase()}`;
}
