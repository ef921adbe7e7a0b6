import { InvalidInputError } from '../../model/errors.js';

/**
 * A Jaeger UI JSON download → OTLP/JSON TracesData, one per Jaeger trace, by the exact reverse of the OTLP ⇄
 * Jaeger mapping the Jaeger API writes (ARCHITECTURE.md, "Trace files in"): process → resource (serviceName →
 * `service.name`, tags → the other attributes); the tags the mapping made are consumed back into the span
 * (`otel.scope.*` → scope, `span.kind` → kind, `otel.status_code`/`otel.status_description`/`error` → status,
 * `w3c.tracestate` → trace state); the first CHILD_OF reference in the span's own trace → parent, the other
 * references → links; logs → events (field `event` → name); µs → ns; typed tags → typed AnyValues. The OTLP/JSON
 * decoder then decodes the result, so every ingest decision is made in one place.
 *
 * Jaeger UI downloads come as `{"data":[Trace…]}` (the search page's "Download Results" and /api/traces/{id}), a
 * bare Trace, or an array of Traces. Older Jaeger wrote IDs without leading zeros ("2"): they are padded, as
 * Jaeger itself reads them. A field of the wrong type is an InvalidInputError naming its path.
 */
export function jaegerToOtlp(root: unknown): { path: string; tracesData: object }[] {
  const traces: Array<{ path: string; trace: unknown }> = [];
  if (Array.isArray(root)) root.forEach((t, i) => traces.push({ path: `[${i}]`, trace: t }));
  else if (isObj(root) && Array.isArray(root.data)) root.data.forEach((t, i) => traces.push({ path: `data[${i}]`, trace: t }));
  else traces.push({ path: '', trace: root });
  return traces.map(({ path, trace }) => ({ path, tracesData: traceToOtlp(obj(trace, path || 'trace'), path) }));
}

/** True when `root` looks like a Jaeger download (for content detection): a trace has `spans` and `traceID`. */
export function isJaegerJson(root: unknown): boolean {
  const first = Array.isArray(root) ? root[0] : isObj(root) && Array.isArray(root.data) ? root.data[0] : root;
  return isObj(first) && Array.isArray(first.spans) && ('traceID' in first || 'processes' in first);
}

type Obj = Record<string, unknown>;
type KeyValue = { key: string; value: object };

const KINDS: Record<string, number> = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };

function traceToOtlp(trace: Obj, path: string): object {
  const at = (s: string) => (path === '' ? s : `${path}.${s}`);
  const processes = trace.processes === undefined || trace.processes === null ? {} : obj(trace.processes, at('processes'));
  const spans = arr(trace.spans, at('spans'));
  // resource (by process key) → scope (name, version) → spans, each in first-span order.
  const resources = new Map<string, { resource: object; scopes: Map<string, { scope: object; spans: object[] }> }>();
  spans.forEach((raw, i) => {
    const sp = `${at('spans')}[${i}]`;
    const s = obj(raw, sp);
    const { key, process } = processOf(s, processes, sp, at('processes'));
    let r = resources.get(key);
    if (!r) {
      r = { resource: { attributes: resourceAttributes(process, key.startsWith('#') ? `${sp}.process` : `${at('processes')}.${key}`) }, scopes: new Map() };
      resources.set(key, r);
    }
    const { span, scopeName, scopeVersion } = spanToOtlp(s, sp);
    const scopeKey = JSON.stringify([scopeName, scopeVersion]);
    let scope = r.scopes.get(scopeKey);
    if (!scope) {
      scope = { scope: { name: scopeName, version: scopeVersion }, spans: [] };
      r.scopes.set(scopeKey, scope);
    }
    scope.spans.push(span);
  });
  return {
    resourceSpans: [...resources.values()].map((r) => ({
      resource: r.resource,
      scopeSpans: [...r.scopes.values()].map((s) => ({ scope: s.scope, spans: s.spans })),
    })),
  };
}

/** The span's process: `processID` into `processes`, or a `process` embedded in the span (Jaeger UI's own form). */
function processOf(s: Obj, processes: Obj, sp: string, pp: string): { key: string; process: Obj } {
  if (isObj(s.process)) return { key: `#${JSON.stringify(s.process)}`, process: s.process };
  const id = str(s.processID, `${sp}.processID`);
  const process = processes[id];
  if (!isObj(process)) throw new InvalidInputError(`${sp}.processID: "${id}" is not a key of ${pp}`);
  return { key: id, process };
}

function resourceAttributes(process: Obj, pp: string): KeyValue[] {
  const service = str(process.serviceName, `${pp}.serviceName`);
  const tags = process.tags === undefined || process.tags === null ? [] : arr(process.tags, `${pp}.tags`);
  return [{ key: 'service.name', value: { stringValue: service } }, ...tags.map((t, i) => keyValue(t, `${pp}.tags[${i}]`))];
}

function spanToOtlp(s: Obj, sp: string): { span: object; scopeName: string; scopeVersion: string } {
  const traceId = hexId(s.traceID, 32, `${sp}.traceID`);
  const spanId = hexId(s.spanID, 16, `${sp}.spanID`);
  const startUs = micros(s.startTime, `${sp}.startTime`);
  const durationUs = micros(s.duration, `${sp}.duration`);
  const tags = new Map<string, KeyValue>();
  const attributes: KeyValue[] = [];
  (s.tags === undefined || s.tags === null ? [] : arr(s.tags, `${sp}.tags`)).forEach((t, i) => {
    const kv = keyValue(t, `${sp}.tags[${i}]`);
    if (!tags.has(kv.key)) tags.set(kv.key, kv);
    attributes.push(kv);
  });
  const consumed = new Set<KeyValue>();
  const take = (key: string, type: string): unknown => {
    const kv = tags.get(key);
    const v = kv?.value as Record<string, unknown> | undefined;
    if (!kv || !v || !(type in v)) return undefined;
    consumed.add(kv);
    return v[type];
  };

  const scopeName = (take('otel.scope.name', 'stringValue') ?? take('otel.library.name', 'stringValue') ?? '') as string;
  const scopeVersion = (take('otel.scope.version', 'stringValue') ?? take('otel.library.version', 'stringValue') ?? '') as string;
  const kindTag = tags.get('span.kind');
  const kindText = (kindTag?.value as { stringValue?: string } | undefined)?.stringValue;
  let kind = 0;
  if (kindTag && kindText !== undefined && KINDS[kindText.toLowerCase()] !== undefined) {
    kind = KINDS[kindText.toLowerCase()];
    consumed.add(kindTag);
  }
  // The Collector's Jaeger translator: `error=true` is the final word on failure; otherwise otel.status_code.
  let code = 0;
  const errorTag = tags.get('error');
  if (errorTag && (errorTag.value as { boolValue?: boolean }).boolValue === true) {
    code = 2;
    consumed.add(errorTag);
  }
  const statusText = take('otel.status_code', 'stringValue') as string | undefined;
  if (code === 0 && statusText !== undefined) code = statusText.toUpperCase() === 'ERROR' ? 2 : statusText.toUpperCase() === 'OK' ? 1 : 0;
  const message = (take('otel.status_description', 'stringValue') ?? '') as string;
  const traceState = (take('w3c.tracestate', 'stringValue') ?? '') as string;

  const { parentSpanId, links } = references(s, traceId, sp);
  const span: Obj = {
    traceId,
    spanId,
    parentSpanId,
    flags: s.flags === undefined || s.flags === null ? 0 : uint32(s.flags, `${sp}.flags`),
    traceState,
    name: s.operationName === undefined ? '' : str(s.operationName, `${sp}.operationName`),
    kind,
    startTimeUnixNano: String(startUs * 1000n),
    endTimeUnixNano: String((startUs + durationUs) * 1000n),
    attributes: attributes.filter((kv) => !consumed.has(kv)),
    events: (s.logs === undefined || s.logs === null ? [] : arr(s.logs, `${sp}.logs`)).map((l, i) => event(l, `${sp}.logs[${i}]`)),
    links,
    status: { code, message },
  };
  return { span, scopeName, scopeVersion };
}

function references(s: Obj, traceId: string, sp: string): { parentSpanId: string; links: object[] } {
  const refs = (s.references === undefined || s.references === null ? [] : arr(s.references, `${sp}.references`)).map((raw, i) => {
    const rp = `${sp}.references[${i}]`;
    const r = obj(raw, rp);
    return {
      refType: r.refType === undefined ? 'CHILD_OF' : str(r.refType, `${rp}.refType`).toUpperCase(),
      traceId: hexId(r.traceID, 32, `${rp}.traceID`),
      spanId: hexId(r.spanID, 16, `${rp}.spanID`),
    };
  });
  let parent = refs.findIndex((r) => r.refType === 'CHILD_OF' && r.traceId === traceId);
  let parentSpanId = parent >= 0 ? refs[parent].spanId : '';
  if (parent < 0 && s.parentSpanID !== undefined && s.parentSpanID !== null && s.parentSpanID !== '') {
    parentSpanId = hexId(s.parentSpanID, 16, `${sp}.parentSpanID`);
    parent = -1;
  }
  const links = refs.filter((_, i) => i !== parent).map((r) => ({ traceId: r.traceId, spanId: r.spanId }));
  return { parentSpanId: /^0+$/.test(parentSpanId) ? '' : parentSpanId, links };
}

function event(raw: unknown, lp: string): object {
  const l = obj(raw, lp);
  const time = micros(l.timestamp, `${lp}.timestamp`);
  let name = '';
  let named = false;
  const attributes: KeyValue[] = [];
  (l.fields === undefined || l.fields === null ? [] : arr(l.fields, `${lp}.fields`)).forEach((f, i) => {
    const kv = keyValue(f, `${lp}.fields[${i}]`);
    const text = (kv.value as { stringValue?: string }).stringValue;
    if (kv.key === 'event' && !named && text !== undefined) {
      name = text;
      named = true;
    } else attributes.push(kv);
  });
  return { timeUnixNano: String(time * 1000n), name, attributes };
}

/** A Jaeger KV {key, type, value} → an OTLP/JSON KeyValue whose AnyValue keeps the type. */
function keyValue(raw: unknown, kp: string): KeyValue {
  const kv = obj(raw, kp);
  const key = str(kv.key, `${kp}.key`);
  const type = kv.type === undefined ? 'string' : str(kv.type, `${kp}.type`).toLowerCase();
  const v = kv.value;
  const vp = `${kp}.value`;
  switch (type) {
    case 'string':
      return { key, value: { stringValue: typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v) } };
    case 'bool':
    case 'boolean':
      if (typeof v === 'boolean') return { key, value: { boolValue: v } };
      if (v === 'true' || v === 'false') return { key, value: { boolValue: v === 'true' } };
      throw new InvalidInputError(`${vp}: a bool tag needs true or false, got ${show(v)}`);
    case 'int64':
      return { key, value: { intValue: int64(v, vp) } };
    case 'float64':
      if (typeof v === 'number') return { key, value: { doubleValue: v } };
      if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return { key, value: { doubleValue: v } };
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return { key, value: { doubleValue: Number(v) } };
      throw new InvalidInputError(`${vp}: a float64 tag needs a number, got ${show(v)}`);
    case 'binary':
      if (typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0) return { key, value: { bytesValue: v } };
      throw new InvalidInputError(`${vp}: a binary tag needs base64, got ${show(v)}`);
    default:
      throw new InvalidInputError(`${kp}.type: "${type}" is not a Jaeger tag type (string, bool, int64, float64, binary)`);
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function int64(v: unknown, vp: string): string {
  let n: bigint | undefined;
  if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^-?\d+$/.test(v)) n = BigInt(v);
  if (n === undefined || n < INT64_MIN || n > INT64_MAX) throw new InvalidInputError(`${vp}: an int64 tag needs an integer, got ${show(v)}`);
  return String(n);
}

function micros(v: unknown, p: string): bigint {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'string' && /^\d+$/.test(v)) return BigInt(v);
  throw new InvalidInputError(`${p}: must be a whole number of microseconds, got ${show(v)}`);
}

function uint32(v: unknown, p: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return v;
  throw new InvalidInputError(`${p}: must be an unsigned 32-bit integer, got ${show(v)}`);
}

/** Lowercase hex, left-padded with zeros to `width` (a 64-bit trace ID becomes a W3C one). */
function hexId(v: unknown, width: number, p: string): string {
  const s = str(v, p);
  if (!/^[0-9a-fA-F]+$/.test(s)) throw new InvalidInputError(`${p}: must be hex, got ${show(v)}`);
  return s.toLowerCase().padStart(width, '0');
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: unknown, p: string): Obj {
  if (!isObj(v)) throw new InvalidInputError(`${p}: must be an object, got ${show(v)}`);
  return v;
}

function arr(v: unknown, p: string): unknown[] {
  if (!Array.isArray(v)) throw new InvalidInputError(`${p}: must be an array, got ${show(v)}`);
  return v;
}

function str(v: unknown, p: string): string {
  if (typeof v !== 'string') throw new InvalidInputError(`${p}: must be a string, got ${show(v)}`);
  return v;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
