import { toOtlpJson, type OtlpTracesData } from '../../format/otlp-json.js';
import type { IndexedTagValues } from '../../model/traceql.js';
import type { MatchedSpan, SpansetMatch, SpansetSearchResult } from '../../model/traceql.js';
import type { TypedTrace } from '../../model/typed.js';

/**
 * Tempo's JSON shapes (reference §6; grafana/tempo pkg/tempopb/tempo.proto through gogo jsonpb): 64-bit numbers
 * as decimal strings, trace IDs in search results as hex with leading zeros trimmed (as Tempo's
 * util.TraceIDToHexString writes them), IDs inside a trace as base64 (jsonpb writes bytes so).
 */

export function searchJson(r: SpansetSearchResult) {
  return {
    traces: r.traces.map(traceJson),
    metrics: { inspectedTraces: r.inspectedTraces, completedJobs: 1, totalJobs: 1 },
    ...(r.incomplete ? { incomplete: r.incomplete } : {}),
  };
}

function traceJson(m: SpansetMatch) {
  const spanSet = { spans: m.spans.map(spanJson), matched: m.matched };
  return {
    traceID: trimmedHex(m.trace.traceId),
    rootServiceName: m.trace.rootService,
    rootTraceName: m.trace.rootName,
    startTimeUnixNano: String(m.trace.startTimeUnixNano),
    durationMs: Number(m.trace.durationNs / 1_000_000n),
    spanSet, // Tempo still writes the first spanset alone, for clients older than spanSets
    spanSets: [spanSet],
    serviceStats: m.serviceStats,
  };
}

function spanJson(s: MatchedSpan) {
  return {
    spanID: s.spanId,
    name: s.name,
    startTimeUnixNano: String(s.startTimeUnixNano),
    durationNanos: String(s.durationNs),
    attributes: s.attributes.map((a) => ({ key: a.key, value: anyValue(a.value) })),
  };
}

function anyValue(v: string | number | boolean) {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

/** Tempo trims a trace ID's leading zeros in search results; its readers pad them back (we do: model/ids.ts). */
export function trimmedHex(id: string): string {
  return id.replace(/^0+(?=.)/, '');
}

/** A trace as Tempo's JSON `Trace`'s resource spans: OTLP/JSON with IDs in base64. */
export function resourceSpansJson(trace: TypedTrace): OtlpTracesData['resourceSpans'] {
  const data = toOtlpJson(trace);
  for (const r of data.resourceSpans) {
    for (const sc of r.scopeSpans) {
      for (const s of sc.spans) {
        s.traceId = base64(s.traceId);
        s.spanId = base64(s.spanId);
        s.parentSpanId = base64(s.parentSpanId);
        for (const l of s.links) {
          l.traceId = base64(l.traceId);
          l.spanId = base64(l.spanId);
        }
      }
    }
  }
  return data.resourceSpans;
}

function base64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/** v2 tag values: typed, as Tempo's pkg/search writes them (`keyword` for status and kind). */
export function typedValues(values: IndexedTagValues['values'], type?: 'keyword') {
  return values.map((value) => ({ type: type ?? valueType(value), value }));
}

/** The index keeps text forms; the type Grafana's builder quotes by is read back from the text. */
function valueType(v: string): string {
  if (/^-?\d{1,15}$/.test(v)) return 'int';
  if (/^-?\d+\.\d+(?:e[-+]?\d+)?$/i.test(v)) return 'float';
  if (v === 'true' || v === 'false') return 'bool';
  return 'string';
}
