import type Database from 'better-sqlite3';
import { readChunkIndex, readDimension, type IndexedSpan } from '../codec/index.js';
import type { EncodedChunk, EncodedDimension } from '../codec/types.js';
import { callTargetOf, serverAddressOf, str } from '../model/semconv.js';
import { SpanKind } from '../model/span.js';
import { Dictionaries } from './dictionaries.js';
import { INDEXED_KEY_SET, WRITER_KEYS } from './indexed-keys.js';
import { MinuteAggregates, MinuteStatsWriter, minuteOf } from './minute-stats.js';
import type { Db } from './open.js';
import { PostingsBatch, PostingsWriter } from './postings.js';
import { ServiceGraph, type GraphSpan } from './service-graph.js';
import { GraphWriter } from './graph-writer.js';
import { TraceCache } from './trace-cache.js';
import type { TraceState } from './trace-row.js';

/** What one write carries: the chunks of one or more export requests and the dimensions they reference. */
export interface WriteBatch {
  chunks: EncodedChunk[];
  dimensions: EncodedDimension[];
}

interface Dimension {
  service: string;
  /** Indexed resource attribute values: [keyId, value]. */
  indexed: Array<[number, string]>;
}

/**
 * Writes batches of chunks in one transaction each, keeping every derived row in step: trace rows, per-service
 * rows, postings, per-minute stats, the service graph and its entry spans. Runs on the writer's connection (the
 * worker thread in production; tests may run it inline). Idempotent: a span whose ID the trace already holds is
 * not counted again, and a chunk holding nothing new is not stored.
 */
export class Committer {
  readonly dicts: Dictionaries;
  readonly graph: ServiceGraph;
  private readonly traces: TraceCache;
  private readonly minuteStats: MinuteStatsWriter;
  private readonly postings: PostingsWriter;
  private readonly graphWriter: GraphWriter;
  private readonly dims = new Map<string, Dimension>();
  private readonly st: Record<'insDim' | 'getDim' | 'insChunk' | 'chunksOf', Database.Statement>;
  private readonly tx: (batch: WriteBatch, nowMs: number) => number;
  private readonly onStored: (spans: number) => void;

  constructor(
    private readonly db: Db,
    opts: {
      graceMs?: number; maxWaiting?: number; cacheTraces?: number; onStored?: (spans: number) => void;
      /** false only for a data step that runs before migration 006 made the hourly tables. */
      hourlyStats?: boolean;
    } = {}, // prettier-ignore
  ) {
    this.onStored = opts.onStored ?? (() => {});
    this.dicts = new Dictionaries(db);
    this.traces = new TraceCache(db, this.dicts, opts.cacheTraces);
    this.minuteStats = new MinuteStatsWriter(db, { hours: opts.hourlyStats ?? true });
    this.postings = new PostingsWriter(db);
    this.graphWriter = new GraphWriter(db);
    this.graph = new ServiceGraph({ graceMs: opts.graceMs, maxWaiting: opts.maxWaiting, parentOf: (ref, id) => this.parentOf(ref, id) });
    this.st = {
      insDim: db.prepare('INSERT OR IGNORE INTO dimensions (hash, kind, service, data) VALUES (?, ?, ?, ?)'),
      getDim: db.prepare('SELECT kind, service, data FROM dimensions WHERE hash = ?'),
      insChunk: db.prepare('INSERT INTO chunks (trace_ref, data) VALUES (?, ?)'),
      chunksOf: db.prepare('SELECT data FROM chunks WHERE trace_ref = ?').pluck(),
    };
    this.tx = db.transaction((batch: WriteBatch, nowMs: number) => this.write(batch, nowMs));
  }

  /** One transaction; answers how many new spans it stored. */
  commit(batch: WriteBatch, nowMs: number): number {
    try {
      return this.tx(batch, nowMs);
    } catch (err) {
      // The rollback undid rows the caches may describe: start them afresh.
      this.traces.clear();
      this.dims.clear();
      throw err;
    }
  }

  /** Decides what the service graph kept waiting past its grace period; its own small transaction. */
  expire(nowMs: number): void {
    this.db.transaction(() => {
      this.graph.expire(nowMs);
      this.graphWriter.flush(this.graph.take());
    })();
  }

  private write(batch: WriteBatch, nowMs: number): number {
    for (const d of batch.dimensions) this.dimension(d);
    const minutes = new MinuteAggregates();
    const postings = new PostingsBatch();
    const graphSpans: GraphSpan[] = [];
    let stored = 0;
    for (const chunk of batch.chunks) stored += this.chunk(chunk, minutes, postings, graphSpans, nowMs);
    this.traces.flushMeta();
    this.minuteStats.flush(minutes);
    this.postings.flush(postings);
    this.graph.add(graphSpans, nowMs);
    this.graph.expire(nowMs);
    this.graphWriter.flush(this.graph.take());
    this.onStored(stored);
    return stored;
  }

  /** Forgets every cached trace and what the service graph kept waiting (after DELETE /api/traces). */
  reset(): void {
    this.traces.clear();
    this.dims.clear();
    this.graph.reset();
  }

  /** Retention deleted these traces. */
  forget(refs: readonly number[]): void {
    this.traces.forget(refs);
  }

  private chunk(chunk: EncodedChunk, minutes: MinuteAggregates, postings: PostingsBatch, graphSpans: GraphSpan[], nowMs: number): number {
    const spans = readChunkIndex(chunk.data, WRITER_KEYS);
    // A trace not in the cache is assumed new (most are), so the trace_id index is not probed first: if it was
    // stored after all, the insert is ignored and the chunk merged into the stored row instead.
    let trace = this.traces.get(chunk.traceId, spans, false);
    let merged = this.merge(trace, spans);
    if (merged.fresh.length === 0) return 0;
    let saved = this.traces.save(trace, nowMs);
    if (saved.conflict) {
      trace = this.traces.get(chunk.traceId, spans, true);
      merged = this.merge(trace, spans);
      if (merged.fresh.length === 0) return 0;
      saved = this.traces.save(trace, nowMs);
    }
    const { fresh, newOps, newAttrs, newServices, services } = merged;
    this.st.insChunk.run(trace.id, chunk.data);
    this.traces.saveServices(trace, newServices, saved.timingChanged);
    if (saved.isNew) this.traces.countNewTrace(trace.startNs);
    for (const op of newOps) postings.addOp(op, trace.id, trace.startNs);
    for (const [keyId, value] of newAttrs) postings.addAttr(keyId, value, trace.id, trace.startNs);
    for (const serviceId of newServices) minutes.addTraces(this.dicts.serviceName(serviceId) ?? '', trace.startNs, 1);
    fresh.forEach((s, i) => {
      const durationNs = s.endNs > s.startNs ? s.endNs - s.startNs : 0n;
      minutes.addSpan({
        service: services[i], name: s.name, kind: s.kind, parentSpanId: s.parentSpanId, error: s.error, startNs: s.startNs,
        durationNs, callee: s.callee, address: s.address,
      }); // prettier-ignore
    });
    this.toGraph(chunk.traceId, trace, fresh, services, graphSpans);
    return fresh.length;
  }

  /** Folds the chunk's spans the trace does not hold yet into its state; what they add is returned. */
  private merge(trace: TraceState, spans: readonly IndexedSpan[]) {
    const fresh: IndexedSpan[] = [];
    const newOps: number[] = [];
    const newAttrs: Array<[number, string]> = [];
    const newServices: number[] = [];
    const services: string[] = [];
    const addAttr = (keyId: number, value: string) => {
      const kv = `${keyId}\u0000${value}`;
      if (trace.attrs.has(kv)) return;
      trace.attrs.add(kv);
      newAttrs.push([keyId, value]);
    };
    for (const s of spans) {
      // addSpan adds the ID, so a span repeated within the chunk is absorbed here too.
      if (trace.spanIds.has(s.spanId)) continue;
      fresh.push(s);
      const dim = this.dimensionOf(s.resource);
      const service = dim?.service ?? 'unknown_service';
      services.push(service);
      const op = this.dicts.opId(service, s.name);
      if (!trace.ops.has(op)) newOps.push(op);
      const serviceId = this.dicts.serviceId(service);
      if (!trace.services.has(serviceId)) {
        trace.services.add(serviceId);
        newServices.push(serviceId);
      }
      trace.addSpan({ spanId: s.spanId, op, kind: s.kind, startNs: s.startNs, endNs: s.endNs, error: s.error, isRoot: s.parentSpanId === '' });
      for (const [key, value] of s.values) if (INDEXED_KEY_SET.has(key)) addAttr(this.dicts.keyId(0, key), value);
      for (const [key, value] of s.eventValues) if (INDEXED_KEY_SET.has(key)) addAttr(this.dicts.keyId(0, key), value);
      for (const [keyId, value] of dim?.indexed ?? []) addAttr(keyId, value);
    }
    return { fresh, newOps, newAttrs, newServices, services };
  }

  /**
   * What the service graph needs of a chunk: spans whose parent is elsewhere (their call is decided when it
   * shows up), and calls with no child here (they may be leaf calls). A span whose parent is in the same chunk is
   * settled now: most are one service's middleware, handlers and queries; when the chunk mixes services (a
   * Collector batches them), the call between them is counted at once.
   */
  private toGraph(traceId: string, trace: TraceState, spans: IndexedSpan[], services: string[], out: GraphSpan[]): void {
    const serviceOf = new Map<string, string>();
    const hasChild = new Set<string>();
    spans.forEach((s, i) => {
      serviceOf.set(s.spanId, services[i]);
      if (s.parentSpanId !== '') hasChild.add(s.parentSpanId);
    });
    spans.forEach((s, i) => {
      const parentService = s.parentSpanId === '' ? undefined : serviceOf.get(s.parentSpanId);
      const outgoing = s.kind === SpanKind.CLIENT || s.kind === SpanKind.PRODUCER;
      if (parentService !== undefined) {
        this.graph.countCall(parentService, { service: services[i], startNs: s.startNs, error: s.error });
        if (!outgoing || hasChild.has(s.spanId)) return;
      }
      const g = graphSpan(traceId, trace, s, services[i]);
      g.parentHere = parentService !== undefined;
      g.childHere = hasChild.has(s.spanId);
      out.push(g);
    });
  }

  private dimension(d: EncodedDimension): void {
    if (this.dims.has(d.hash)) return;
    const hash = Buffer.from(d.hash, 'hex');
    this.st.insDim.run(hash, d.kind === 'resource' ? 0 : 1, d.kind === 'resource' ? d.serviceName : '', d.data);
    this.dims.set(d.hash, this.describe(d.kind, d.serviceName, d.data));
  }

  private dimensionOf(hash: string): Dimension | undefined {
    let dim = this.dims.get(hash);
    if (!dim) {
      const row = this.st.getDim.get(Buffer.from(hash, 'hex')) as { kind: number; service: string; data: Uint8Array } | undefined;
      if (!row) return undefined;
      dim = this.describe(row.kind === 0 ? 'resource' : 'scope', row.service, row.data);
      this.dims.set(hash, dim);
    }
    return dim;
  }

  private describe(kind: 'resource' | 'scope', service: string, data: Uint8Array): Dimension {
    if (kind !== 'resource') return { service: '', indexed: [] };
    const attrs = readDimension(data).attributes;
    const indexed: Array<[number, string]> = [];
    for (const key of INDEXED_KEY_SET) {
      const v = attrs[key];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') indexed.push([this.dicts.keyId(1, key), String(v)]);
    }
    return { service, indexed };
  }

  /** A stored span's service, for the service graph's rare look back (a parent that arrived before its child). */
  private parentOf(traceRef: number, spanId: string): { service: string } | undefined {
    for (const data of this.st.chunksOf.all(traceRef) as Uint8Array[]) {
      for (const s of readChunkIndex(data, EMPTY_KEYS)) {
        if (s.spanId === spanId) return { service: this.dimensionOf(s.resource)?.service ?? 'unknown_service' };
      }
    }
    return undefined;
  }
}

const EMPTY_KEYS: ReadonlySet<string> = new Set();

function graphSpan(traceId: string, trace: TraceState, s: IndexedSpan, service: string): GraphSpan {
  const get = (k: string) => s.values.find((v) => v[0] === k)?.[1];
  const g: GraphSpan = {
    trace: traceId,
    traceRef: trace.id,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    service,
    kind: s.kind,
    startNs: s.startNs,
    endNs: s.endNs,
    error: s.error,
  };
  if (s.kind === SpanKind.CLIENT || s.kind === SpanKind.PRODUCER) {
    g.target = callTargetOf(get);
    g.toDatabase = get('db.system') !== undefined || get('db.system.name') !== undefined;
  }
  else if (s.kind === SpanKind.SERVER || s.kind === SpanKind.CONSUMER) {
    g.reached = { ...serverAddressOf(get), destination: str(get('messaging.destination.name')) };
  }
  return g;
}

export { minuteOf };
