import { readChunkTyped, readDimensionTyped } from '../codec/index.js';
import type { EncodedChunk, EncodedDimension } from '../model/encoded.js';
import type { TypedResource, TypedScope, TypedSpan } from '../model/typed.js';
import { toOtlpProto } from '../format/otlp-proto.js';

/** What the forwarder holds of one stored request: its chunks as stored and the dimensions they name. */
export interface QueuedRequest {
  chunks: readonly EncodedChunk[];
  dimensions: readonly EncodedDimension[];
  spans: number;
}

/**
 * The requests of one export → `ExportTraceServiceRequest` protobuf bytes (the same bytes as `TracesData`),
 * every value with the OTLP type it came in with: the typed chunk reader and the dimensions as stored, then the
 * one OTLP protobuf encoder (format/otlp-proto.ts). Spans of several requests and traces go into one message,
 * grouped by resource and scope (equal content has one hash, so a resource is written once per export).
 */
export function encodeExport(requests: readonly QueuedRequest[]): Uint8Array {
  const spans: TypedSpan[] = [];
  const resources = new Map<string, TypedResource>();
  const scopes = new Map<string, TypedScope>();
  for (const r of requests) {
    for (const d of r.dimensions) {
      const map = d.kind === 'resource' ? resources : scopes;
      if (map.has(d.hash)) continue;
      const typed = readDimensionTyped(d.data);
      if (typed.kind === 'resource') resources.set(d.hash, typed);
      else scopes.set(d.hash, typed);
    }
    for (const c of r.chunks) for (const s of readChunkTyped(c.data, c.traceId)) spans.push(s);
  }
  return toOtlpProto({ spans, resources, scopes });
}

/**
 * `ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1 { int64 rejected_spans = 1;
 * string error_message = 2; } }`: the spans the upstream says it rejected of an accepted export, and why. A body
 * that is not that message (a proxy's HTML, say) counts as a full success, as the Collector's exporter reads it.
 */
export function partialSuccess(body: Uint8Array): { rejected: number; message: string } {
  const none = { rejected: 0, message: '' };
  try {
    const outer = fields(body);
    const ps = outer.find((f) => f.field === 1 && f.bytes);
    if (!ps?.bytes) return none;
    let rejected = 0;
    let message = '';
    for (const f of fields(ps.bytes)) {
      if (f.field === 1 && f.varint !== undefined) rejected = Number(BigInt.asIntN(64, f.varint));
      if (f.field === 2 && f.bytes) message = Buffer.from(f.bytes).toString('utf8');
    }
    return { rejected: Math.max(0, rejected), message };
  } catch {
    return none;
  }
}

interface Field {
  field: number;
  varint?: bigint;
  bytes?: Uint8Array;
}

/** The top-level fields of a protobuf message (varint and length-delimited kept, fixed ones skipped). */
function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let p = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (p >= b.length || shift > 63n) throw new Error('bad varint');
      const x = b[p++];
      v |= BigInt(x & 0x7f) << shift;
      if (x < 0x80) return v;
    }
  };
  while (p < b.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ field, varint: varint() });
    else if (wire === 2) {
      const len = Number(varint());
      if (p + len > b.length) throw new Error('truncated');
      out.push({ field, bytes: b.subarray(p, p + len) });
      p += len;
    } else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else throw new Error(`wire type ${wire}`);
  }
  if (p !== b.length) throw new Error('truncated');
  return out;
}
