import type { TypedKeyValue, TypedSpan, TypedTrace, TypedValue } from '../model/typed.js';
import { groupTrace } from './otlp-group.js';

/**
 * A trace → OTLP/JSON `TracesData` (the body of an ExportTraceServiceRequest), as the OTLP/JSON mapping wants it:
 * hex trace and span IDs, enums as integers, 64-bit integers as decimal strings, bytes as base64, doubles as
 * numbers ("NaN", "Infinity", "-Infinity" as strings, as proto3 JSON writes them), spans grouped under their
 * resource and scope. Every value keeps the type it came in with, so POSTing the result to /v1/traces of any
 * OTLP receiver (tracelite included) stores the same trace again, field for field.
 */

export type OtlpAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | 'NaN' | 'Infinity' | '-Infinity' }
  | { bytesValue: string }
  | { arrayValue: { values: OtlpAnyValue[] } }
  | { kvlistValue: { values: OtlpKeyValue[] } }
  | Record<string, never>;

export interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}

export interface OtlpTracesData {
  resourceSpans: Array<{
    resource: { attributes: OtlpKeyValue[]; droppedAttributesCount: number };
    scopeSpans: Array<{
      scope: { name: string; version: string; attributes: OtlpKeyValue[]; droppedAttributesCount: number };
      spans: OtlpSpan[];
    }>;
  }>;
}

export type OtlpSpan = ReturnType<typeof otlpSpan>;

export function toOtlpJson(trace: TypedTrace): OtlpTracesData {
  return {
    resourceSpans: groupTrace(trace).map((r) => ({
      resource: { attributes: keyValues(r.resource.attributes), droppedAttributesCount: r.resource.droppedAttributesCount },
      scopeSpans: r.scopeSpans.map((sc) => ({
        scope: {
          name: sc.scope.name,
          version: sc.scope.version,
          attributes: keyValues(sc.scope.attributes),
          droppedAttributesCount: sc.scope.droppedAttributesCount,
        },
        spans: sc.spans.map(otlpSpan),
      })),
    })),
  };
}

function otlpSpan(s: TypedSpan) {
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    traceState: s.traceState,
    flags: s.flags,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: String(s.startTimeUnixNano),
    endTimeUnixNano: String(s.endTimeUnixNano),
    attributes: keyValues(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({
      timeUnixNano: String(e.timeUnixNano),
      name: e.name,
      attributes: keyValues(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({
      traceId: l.traceId,
      spanId: l.spanId,
      traceState: l.traceState,
      attributes: keyValues(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount,
      flags: l.flags,
    })),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.statusCode, message: s.statusMessage },
  };
}

export function keyValues(kvs: readonly TypedKeyValue[]): OtlpKeyValue[] {
  return kvs.map((kv) => ({ key: kv.key, value: anyValue(kv.value) }));
}

export function anyValue(v: TypedValue): OtlpAnyValue {
  if ('stringValue' in v) return { stringValue: v.stringValue };
  if ('boolValue' in v) return { boolValue: v.boolValue };
  if ('intValue' in v) return { intValue: String(v.intValue) };
  if ('doubleValue' in v) return { doubleValue: Number.isFinite(v.doubleValue) ? v.doubleValue : (String(v.doubleValue) as 'NaN') };
  if ('bytesValue' in v) return { bytesValue: Buffer.from(v.bytesValue).toString('base64') };
  if ('arrayValue' in v) return { arrayValue: { values: v.arrayValue.values.map(anyValue) } };
  if ('kvlistValue' in v) return { kvlistValue: { values: keyValues(v.kvlistValue.values) } };
  return {};
}
