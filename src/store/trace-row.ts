import { VarintReader, VarintWriter } from './varint.js';

/**
 * A trace's row (trace_rows) as the writer keeps it in memory between commits: its summary, the IDs of the
 * spans it holds (so a retried export is absorbed), the operations it contains (id, longest span, kinds and
 * failure: what search filters on) and its indexed attribute values. Pure: rows in, rows out.
 */

/** Bits of an operation's entry in `ops`: which span kinds it had (1 << kind), and whether any span failed. */
export const OP_FAILED = 1 << 6;

export interface OpFacts {
  maxDurationNs: number;
  bits: number;
}

/** The span that names a trace: the root (no parent), else the earliest span seen so far. */
export interface RootFacts {
  op: number;
  startNs: bigint;
  hasRoot: boolean;
}

export class TraceState {
  /** trace_rows.id, 0 until the row is inserted. */
  id = 0;
  startNs: bigint;
  endNs: bigint;
  spanCount = 0;
  errorCount = 0;
  root: RootFacts;
  readonly spanIds = new Set<string>();
  readonly ops = new Map<number, OpFacts>();
  /** `${keyId}\u0000${value}` of the indexed attribute values present. */
  readonly attrs = new Set<string>();
  /** service_names ids of the services with spans in the trace (trace_service_rows). */
  readonly services = new Set<number>();
  /** Start and duration as last stored, to tell when the trace_service_rows need them again. */
  stored: { startNs: bigint; durationNs: bigint } | undefined;

  constructor(readonly traceId: Buffer, startNs: bigint, endNs: bigint, root: RootFacts) {
    this.startNs = startNs;
    this.endNs = endNs;
    this.root = root;
  }

  get durationNs(): bigint {
    return this.endNs - this.startNs;
  }

  /** Adds one new span's facts; the caller has checked `spanIds` (absorbing duplicates). */
  addSpan(s: { spanId: string; op: number; kind: number; startNs: bigint; endNs: bigint; error: boolean; isRoot: boolean }): void {
    this.spanIds.add(s.spanId);
    this.spanCount++;
    if (s.error) this.errorCount++;
    if (s.startNs < this.startNs) this.startNs = s.startNs;
    const end = s.endNs > s.startNs ? s.endNs : s.startNs;
    if (end > this.endNs) this.endNs = end;
    const d = s.endNs - s.startNs;
    const duration = d > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(d > 0n ? d : 0n);
    const op = this.ops.get(s.op);
    const bits = (1 << s.kind) | (s.error ? OP_FAILED : 0);
    if (!op) this.ops.set(s.op, { maxDurationNs: duration, bits });
    else {
      if (duration > op.maxDurationNs) op.maxDurationNs = duration;
      op.bits |= bits;
    }
    const candidate = { op: s.op, startNs: s.startNs, hasRoot: s.isRoot };
    if (betterRoot(candidate, this.root)) this.root = candidate;
  }

  /** The row's blobs, as stored. */
  encode(w: VarintWriter): { spanIds: Buffer; ops: Buffer; attrs: Buffer } {
    const spanIds = Buffer.allocUnsafe(this.spanIds.size * 8);
    let at = 0;
    for (const id of this.spanIds) at += spanIds.write(id, at, 8, 'hex');
    w.reset();
    w.uint(this.ops.size);
    for (const [id, op] of this.ops) {
      w.uint(id);
      w.uint(op.maxDurationNs);
      w.uint(op.bits);
    }
    const ops = w.take();
    w.reset();
    w.uint(this.attrs.size);
    for (const kv of this.attrs) {
      const sep = kv.indexOf('\u0000');
      w.uint(Number(kv.slice(0, sep)));
      const value = Buffer.from(kv.slice(sep + 1));
      w.uint(value.length);
      w.bytes(value);
    }
    return { spanIds, ops, attrs: w.take() };
  }
}

/** True when `a` should name the trace instead of `b`: a root beats a non-root, then the earlier start wins. */
export function betterRoot(a: RootFacts, b: RootFacts): boolean {
  if (a.hasRoot !== b.hasRoot) return a.hasRoot;
  return a.startNs < b.startNs;
}

export function decodeOps(blob: Uint8Array): Map<number, OpFacts> {
  const r = new VarintReader(blob);
  const out = new Map<number, OpFacts>();
  for (let n = r.uint(); n > 0; n--) out.set(r.uint(), { maxDurationNs: r.uint(), bits: r.uint() });
  return out;
}

export function decodeAttrs(blob: Uint8Array): Set<string> {
  const r = new VarintReader(blob);
  const out = new Set<string>();
  for (let n = r.uint(); n > 0; n--) {
    const key = r.uint();
    out.add(`${key}\u0000${Buffer.from(r.bytes(r.uint())).toString('utf8')}`);
  }
  return out;
}

export function decodeSpanIds(blob: Uint8Array, into: Set<string>): void {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  for (let at = 0; at + 8 <= b.length; at += 8) into.add(b.toString('hex', at, at + 8));
}
