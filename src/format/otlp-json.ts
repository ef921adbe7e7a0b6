import type { AttrValue, Attributes, Span } from '../model/span.js';

/**
 * Spans → OTLP/JSON `TracesData` (the body of an ExportTraceServiceRequest), as the OTLP/JSON mapping wants it:
 * hex trace and span IDs, enums as integers, 64-bit integers as decimal strings, spans grouped under their
 * resource and scope. POSTing the result to /v1/traces of any OTLP receiver (tracelite included) loads the
 * same spans again. Attribute values come back as the store keeps them: bytes stay base64 strings, and a
 * double with no fraction (1.0) is written as an int, since JSON no longer tells them apart.
 */

type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } }
  | Record<string, never>;
interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface OtlpTracesData {
  resourceSpans: Array<{
    resource: { attributes: KeyValue[]; droppedAttributesCount: number };
    scopeSpans: Array<{
      scope: { name: string; version: string; attributes: KeyValue[]; droppedAttributesCount: number };
      spans: OtlpSpan[];
    }>;
  }>;
}

type OtlpSpan = ReturnType<typeof otlpSpan>;

export function toOtlpJson(spans: readonly Span[]): OtlpTracesData {
  // Spans of one resource share its attributes object when read back, but compare by content to be safe.
  const resources = new Map<string, { resource: Span['resource']; scopes: Map<string, { scope: Span['scope']; spans: Span[] }> }>();
  for (const s of spans) {
    const rKey = JSON.stringify([s.resource.attributes, s.resource.droppedAttributesCount]);
    let r = resources.get(rKey);
    if (!r) resources.set(rKey, (r = { resource: s.resource, scopes: new Map() }));
    const sKey = JSON.stringify([s.scope.name, s.scope.version, s.scope.attributes, s.scope.droppedAttributesCount]);
    let sc = r.scopes.get(sKey);
    if (!sc) r.scopes.set(sKey, (sc = { scope: s.scope, spans: [] }));
    sc.spans.push(s);
  }
  return {
    resourceSpans: [...resources.values()].map((r) => ({
      resource: { attributes: keyValues(r.resource.attributes), droppedAttributesCount: r.resource.droppedAttributesCount },
      scopeSpans: [...r.scopes.values()].map((sc) => ({
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

function otlpSpan(s: Span) {
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

function keyValues(attrs: Attributes): KeyValue[] {
  return Object.entries(attrs).map(([key, v]) => ({ key, value: anyValue(v) }));
}

export function anyValue(v: AttrValue): AnyValue {
  if (v === null) return {};
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  return { kvlistValue: { values: keyValues(v) } };
}
