import type { CallTarget, CalleeFacts } from '../model/semconv.js';
import { SpanKind } from '../model/span.js';
import { NS_PER_MINUTE } from '../model/stats-ports.js';
import { EntryIndex } from './entry-index.js';

/**
 * The service dependency graph, maintained as spans arrive (Tempo's metrics-generator does the same): a call is
 * counted when its callee's span shows up, whichever of the two arrives first; a CLIENT/PRODUCER span that no
 * child joins within the grace period is a leaf call, either to an uninstrumented callee or, when a root span of
 * another trace handled it at the called address, a call that lost its trace (traceparent dropped). Pure: spans
 * in, edges and entry spans out; the writer stores them per minute (dependency_minutes, entry_spans).
 *
 * What waits is bounded (`maxWaiting`): beyond it the oldest waiters are decided early, and counted. A restart
 * forgets what was waiting; calls whose two halves straddle it are not counted.
 */

export interface GraphSpan {
  /** Trace ID (hex) and the trace's ref in the store. */
  trace: string;
  traceRef: number;
  spanId: string;
  parentSpanId: string;
  service: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  error: boolean;
  /** CLIENT/PRODUCER: whom it called. */
  target?: CallTarget;
  /** SERVER/CONSUMER: where it was reached. */
  reached?: Omit<CalleeFacts, 'service'>;
  /** Its parent came in the same chunk, and the writer counted that call already (countCall). */
  parentHere?: boolean;
  /** A call with a child in its own chunk: not a leaf call, nothing to wait for. */
  childHere?: boolean;
  /**
   * A call to a database or cache (it names a `db.system`): no span of another service will ever answer it, so it
   * is counted as a call to an uninstrumented callee at once instead of waiting the grace period in memory (on
   * realistic traffic most calls are these; holding them was most of the writer's heap).
   */
  toDatabase?: boolean;
}

export const EdgeKind = { CALL: 0, UNINSTRUMENTED: 1, BROKEN: 2 } as const;

export interface GraphEdge {
  minute: number;
  parent: string;
  child: string;
  kind: number;
  calls: number;
  errors: number;
}

export interface GraphOptions {
  /** The SDKs export every 5 s by default: a span's other half may take that long to arrive. */
  graceMs?: number;
  maxWaiting?: number;
  skewNs?: bigint;
  /** How long entry spans stay matchable in memory. */
  keepEntriesMs?: number;
  /** The stored parent of a span that waited for it in vain (it arrived before the child did), if stored. */
  parentOf?: (traceRef: number, spanId: string) => { service: string } | undefined;
}

interface Waiter {
  span: GraphSpan;
  deadlineMs: number;
}

export const DEFAULT_GRACE_MS = 6_000;
/** Calls are decided this long after waiting children, so an orphan callee is known before its caller gives up. */
const CLIENT_EXTRA_MS = 1_000;

export class ServiceGraph {
  /** CLIENT/PRODUCER spans no child has joined yet, by trace/span: arrival order = deadline order. */
  private readonly calls = new Map<string, Waiter>();
  /** Spans whose parent has not arrived, by trace/parent. */
  private readonly orphans = new Map<string, Waiter[]>();
  private readonly entries = new EntryIndex();
  private edges = new Map<string, GraphEdge>();
  private newEntries: GraphSpan[] = [];
  private readonly grace: number;
  private readonly maxWaiting: number;
  private readonly skew: bigint;
  private readonly keepEntries: number;
  /** Waiters decided before their time because the memory bound was reached. */
  decidedEarly = 0;

  constructor(private readonly opts: GraphOptions = {}) {
    this.grace = opts.graceMs ?? DEFAULT_GRACE_MS;
    // Up to ~1 KB each: 50k waiting calls and spans are ~50 MB of the writer's heap at most.
    this.maxWaiting = opts.maxWaiting ?? 50_000;
    this.skew = opts.skewNs ?? 50_000_000n;
    // Long enough for the calls they may answer to be decided (grace, the extra second, the writer's 1 s timer).
    this.keepEntries = opts.keepEntriesMs ?? this.grace + CLIENT_EXTRA_MS + 5_000;
  }

  reset(): void {
    this.calls.clear();
    this.orphans.clear();
    this.entries.clear();
    this.edges = new Map();
    this.newEntries = [];
  }

  get waiting(): number {
    return this.calls.size + this.orphans.size;
  }

  /** One commit's new spans. */
  add(spans: readonly GraphSpan[], nowMs: number): void {
    const here = new Map<string, GraphSpan>();
    for (const s of spans) here.set(`${s.trace}/${s.spanId}`, s);
    const joined = new Set<string>();
    for (const s of spans) {
      if (s.parentSpanId === '') {
        if (isIncoming(s)) this.addEntry(s, nowMs);
        continue;
      }
      if (s.parentHere) continue;
      const parentKey = `${s.trace}/${s.parentSpanId}`;
      const parent = here.get(parentKey) ?? this.calls.get(parentKey)?.span;
      if (parent) {
        this.call(parent, s);
        joined.add(parentKey);
        this.calls.delete(parentKey);
      } else {
        const list = this.orphans.get(parentKey);
        const waiter = { span: s, deadlineMs: nowMs + this.grace };
        if (list) list.push(waiter);
        else this.orphans.set(parentKey, [waiter]);
      }
    }
    for (const s of spans) {
      const key = `${s.trace}/${s.spanId}`;
      const children = this.orphans.get(key);
      if (children) {
        this.orphans.delete(key);
        for (const c of children) this.call(s, c.span);
        joined.add(key);
      }
      if (isOutgoing(s) && s.toDatabase && !s.childHere && !joined.has(key)) {
        if (s.target) this.edge(minuteOf(s.startNs), s.service, s.target.label, EdgeKind.UNINSTRUMENTED, s.error);
      } else if (isOutgoing(s) && !s.childHere && !joined.has(key)) this.calls.set(key, { span: s, deadlineMs: nowMs + this.grace + CLIENT_EXTRA_MS });
    }
    this.bound(nowMs);
  }

  /** Decides what waited past its grace period (or everything, when stopping). */
  expire(nowMs: number): void {
    for (const [key, list] of this.orphans) {
      if (list[0].deadlineMs > nowMs) break;
      this.orphans.delete(key);
      for (const w of list) this.orphaned(w.span, nowMs);
    }
    for (const [key, w] of this.calls) {
      if (w.deadlineMs > nowMs) break;
      this.calls.delete(key);
      this.leaf(w.span);
    }
    const keepAfter = nowMs - this.keepEntries;
    this.entries.prune(keepAfter);
  }

  /** Edges and entry spans found since the last call. */
  take(): { edges: GraphEdge[]; entries: GraphSpan[] } {
    const out = { edges: [...this.edges.values()], entries: this.newEntries };
    this.edges = new Map();
    this.newEntries = [];
    return out;
  }

  private call(parent: GraphSpan, child: GraphSpan): void {
    this.countCall(parent.service, child);
  }

  /** A call whose two halves the writer saw together (one chunk): counted at once, nothing waits. */
  countCall(parentService: string, child: Pick<GraphSpan, 'service' | 'startNs' | 'error'>): void {
    if (parentService !== child.service) this.edge(minuteOf(child.startNs), parentService, child.service, EdgeKind.CALL, child.error);
  }

  /** A span whose parent never arrived after it: stored earlier (look it up), or missing: an orphan. */
  private orphaned(s: GraphSpan, nowMs: number): void {
    const parent = this.opts.parentOf?.(s.traceRef, s.parentSpanId);
    if (parent) {
      if (parent.service !== s.service) this.edge(minuteOf(s.startNs), parent.service, s.service, EdgeKind.CALL, s.error);
      return;
    }
    if (isIncoming(s)) this.addEntry(s, nowMs);
  }

  /** A call no child joined: it continued in another trace, or reached a callee without tracing. */
  private leaf(c: GraphSpan): void {
    if (!c.target) return;
    const callee = this.entries.match(c, c.target, this.skew);
    if (callee) this.edge(minuteOf(c.startNs), c.service, callee.service, EdgeKind.BROKEN, callee.error);
    else this.edge(minuteOf(c.startNs), c.service, c.target.label, EdgeKind.UNINSTRUMENTED, c.error);
  }

  private addEntry(s: GraphSpan, nowMs: number): void {
    this.entries.add(s, nowMs);
    this.newEntries.push(s);
  }

  private edge(minute: number, parent: string, child: string, kind: number, error: boolean): void {
    const key = `${minute}\u0000${parent}\u0000${child}\u0000${kind}`;
    let e = this.edges.get(key);
    if (!e) this.edges.set(key, (e = { minute, parent, child, kind, calls: 0, errors: 0 }));
    e.calls++;
    if (error) e.errors++;
  }

  /** Memory stays bounded: past `maxWaiting`, the oldest waiters are decided now. */
  private bound(nowMs: number): void {
    while (this.calls.size + this.orphans.size > this.maxWaiting) {
      const oldestOrphan = this.orphans.entries().next().value as [string, Waiter[]] | undefined;
      const oldestCall = this.calls.entries().next().value as [string, Waiter] | undefined;
      if (oldestOrphan && (!oldestCall || oldestOrphan[1][0].deadlineMs <= oldestCall[1].deadlineMs)) {
        this.orphans.delete(oldestOrphan[0]);
        for (const w of oldestOrphan[1]) this.orphaned(w.span, nowMs);
        this.decidedEarly += oldestOrphan[1].length;
      } else if (oldestCall) {
        this.calls.delete(oldestCall[0]);
        this.leaf(oldestCall[1].span);
        this.decidedEarly++;
      }
    }
  }
}

export function minuteOf(ns: bigint): number {
  return Number(ns / NS_PER_MINUTE);
}

function isIncoming(s: GraphSpan): boolean {
  return s.kind === SpanKind.SERVER || s.kind === SpanKind.CONSUMER;
}

function isOutgoing(s: GraphSpan): boolean {
  return s.kind === SpanKind.CLIENT || s.kind === SpanKind.PRODUCER;
}

