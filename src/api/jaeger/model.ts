import { SpanKind, StatusCode } from '../../model/span.js';
import type { TypedKeyValue, TypedResource, TypedScope, TypedSpan, TypedTrace, TypedValue } from '../../model/typed.js';

/**
 * A trace → the Jaeger UI's JSON model (jaeger `internal/uimodel/model.go`), the OTLP → Jaeger mapping of the
 * Collector's `translator/jaeger` made exact, so that the Jaeger-JSON importer reads it back to the same trace:
 *
 * - resource → process `{serviceName, tags}` (service.name taken out), keys `p1`, `p2`, … per distinct resource in
 *   first-span order;
 * - span tags in the Collector's order: `otel.scope.name`, `otel.scope.version` (each only when non-empty), the
 *   attributes, `span.kind` (server/client/producer/consumer; none for INTERNAL and UNSPECIFIED),
 *   `otel.status_code` OK/ERROR (none when UNSET), `error` = true for ERROR, `otel.status_description` (non-empty
 *   message), `w3c.tracestate` (non-empty);
 * - the parent → the first reference (CHILD_OF, and the deprecated `parentSpanID`); links → FOLLOWS_FROM after it;
 * - events → logs `{timestamp µs, fields}`: field `event` = the name (when non-empty and no attribute is named
 *   `event`, which takes precedence), then the attributes;
 * - values: string, bool, int64 (a number, or a decimal string beyond ±(2^53−1)), float64 (NaN/±Infinity as the
 *   strings proto3 JSON uses: JSON has no such numbers), binary (standard base64); arrays and kvlists → `string`
 *   holding their JSON; an empty value → the empty string;
 * - times truncated to µs (`startTime` epoch µs, `duration` = (end − start) µs).
 *
 * What Jaeger's model has no place for is dropped: scope attributes, dropped counts, link attributes and trace
 * state, and the resource's service.name when it is not a string (tracelite calls that service unknown_service).
 */

export type JaegerValueType = 'string' | 'bool' | 'int64' | 'float64' | 'binary';

export interface JaegerKeyValue {
  key: string;
  type: JaegerValueType;
  value: string | number | boolean;
}

export interface JaegerReference {
  refType: 'CHILD_OF' | 'FOLLOWS_FROM';
  traceID: string;
  spanID: string;
}

export interface JaegerLog {
  timestamp: number;
  fields: JaegerKeyValue[];
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  parentSpanID?: string;
  flags?: number;
  operationName: string;
  references: JaegerReference[];
  startTime: number;
  duration: number;
  tags: JaegerKeyValue[];
  logs: JaegerLog[];
  processID: string;
  warnings: string[] | null;
}

export interface JaegerProcess {
  serviceName: string;
  tags: JaegerKeyValue[];
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, JaegerProcess>;
  warnings: string[] | null;
}

/** The name tracelite gives a resource without a string service.name (codec/dimension.ts). */
const UNKNOWN_SERVICE = 'unknown_service';
const KIND_TAG: Partial<Record<number, string>> = {
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function toJaegerTrace(trace: TypedTrace): JaegerTrace {
  const processIds = new Map<string, string>();
  const processes: Record<string, JaegerProcess> = {};
  const spans = trace.spans.map((s) => {
    let pid = processIds.get(s.resource);
    if (pid === undefined) {
      pid = `p${processIds.size + 1}`;
      processIds.set(s.resource, pid);
      processes[pid] = jaegerProcess(trace.resources.get(s.resource));
    }
    return jaegerSpan(s, trace.scopes.get(s.scope), pid);
  });
  return { traceID: jaegerTraceId(trace.spans[0]?.traceId ?? ''), spans, processes, warnings: null };
}

/** Jaeger prints a 128-bit ID whose high half is zero as 16 hex digits (model.TraceID.String). */
export function jaegerTraceId(hex: string): string {
  return hex.length === 32 && hex.startsWith('0000000000000000') ? hex.slice(16) : hex;
}

function jaegerProcess(resource: TypedResource | undefined): JaegerProcess {
  const attrs = resource?.attributes ?? [];
  const name = attrs.find((kv) => kv.key === 'service.name')?.value;
  return {
    serviceName: name && 'stringValue' in name ? name.stringValue : UNKNOWN_SERVICE,
    tags: attrs.filter((kv) => kv.key !== 'service.name').map(jaegerKeyValue),
  };
}

function jaegerSpan(s: TypedSpan, scope: TypedScope | undefined, processID: string): JaegerSpan {
  const traceID = jaegerTraceId(s.traceId);
  const references: JaegerReference[] = [];
  if (s.parentSpanId !== '') references.push({ refType: 'CHILD_OF', traceID, spanID: s.parentSpanId });
  for (const l of s.links) references.push({ refType: 'FOLLOWS_FROM', traceID: jaegerTraceId(l.traceId), spanID: l.spanId });
  return {
    traceID,
    spanID: s.spanId,
    ...(s.parentSpanId !== '' ? { parentSpanID: s.parentSpanId } : {}),
    ...(s.flags !== 0 ? { flags: s.flags } : {}),
    operationName: s.name,
    references,
    startTime: micros(s.startTimeUnixNano),
    duration: micros(s.endTimeUnixNano - s.startTimeUnixNano),
    tags: spanTags(s, scope),
    logs: s.events.map((e) => ({ timestamp: micros(e.timeUnixNano), fields: eventFields(e.name, e.attributes) })),
    processID,
    warnings: null,
  };
}

function spanTags(s: TypedSpan, scope: TypedScope | undefined): JaegerKeyValue[] {
  const tags: JaegerKeyValue[] = [];
  const str = (key: string, value: string) => tags.push({ key, type: 'string', value });
  if (scope?.name) str('otel.scope.name', scope.name);
  if (scope?.version) str('otel.scope.version', scope.version);
  for (const kv of s.attributes) tags.push(jaegerKeyValue(kv));
  const kind = KIND_TAG[s.kind];
  if (kind) str('span.kind', kind);
  if (s.statusCode === StatusCode.OK) str('otel.status_code', 'OK');
  if (s.statusCode === StatusCode.ERROR) {
    str('otel.status_code', 'ERROR');
    tags.push({ key: 'error', type: 'bool', value: true });
  }
  if (s.statusMessage !== '') str('otel.status_description', s.statusMessage);
  if (s.traceState !== '') str('w3c.tracestate', s.traceState);
  return tags;
}

function eventFields(name: string, attributes: TypedKeyValue[]): JaegerKeyValue[] {
  const fields: JaegerKeyValue[] = [];
  if (name !== '' && !attributes.some((kv) => kv.key === 'event')) fields.push({ key: 'event', type: 'string', value: name });
  for (const kv of attributes) fields.push(jaegerKeyValue(kv));
  return fields;
}

export function jaegerKeyValue(kv: TypedKeyValue): JaegerKeyValue {
  const v = kv.value;
  const key = kv.key;
  if ('stringValue' in v) return { key, type: 'string', value: v.stringValue };
  if ('boolValue' in v) return { key, type: 'bool', value: v.boolValue };
  if ('intValue' in v) return { key, type: 'int64', value: intJson(v.intValue) };
  if ('doubleValue' in v) return { key, type: 'float64', value: Number.isFinite(v.doubleValue) ? v.doubleValue : String(v.doubleValue) };
  if ('bytesValue' in v) return { key, type: 'binary', value: Buffer.from(v.bytesValue).toString('base64') };
  if ('arrayValue' in v || 'kvlistValue' in v) return { key, type: 'string', value: jsonText(v) };
  return { key, type: 'string', value: '' };
}

function intJson(n: bigint): number | string {
  return n <= MAX_SAFE && n >= -MAX_SAFE ? Number(n) : String(n);
}

/** A nested value as JSON text, as the Collector writes it (pcommon AsString): ints exact, bytes base64, empty null. */
function jsonText(v: TypedValue): string {
  if ('stringValue' in v) return JSON.stringify(v.stringValue);
  if ('boolValue' in v) return String(v.boolValue);
  if ('intValue' in v) return String(v.intValue);
  if ('doubleValue' in v) return Number.isFinite(v.doubleValue) ? JSON.stringify(v.doubleValue) : JSON.stringify(String(v.doubleValue));
  if ('bytesValue' in v) return JSON.stringify(Buffer.from(v.bytesValue).toString('base64'));
  if ('arrayValue' in v) return `[${v.arrayValue.values.map(jsonText).join(',')}]`;
  if ('kvlistValue' in v) return `{${v.kvlistValue.values.map((kv) => `${JSON.stringify(kv.key)}:${jsonText(kv.value)}`).join(',')}}`;
  return 'null';
}

/** Nanoseconds → whole microseconds, truncated (epoch µs stay below 2^53 until the year 2255). */
function micros(ns: bigint): number {
  return Number(ns / 1000n);
}
