import { createHash } from 'node:crypto';

/**
 * Zipkin v2 spans → an OTLP/JSON ExportTraceServiceRequest, after the OpenTelemetry Collector's
 * `translator/zipkin/zipkinv2` (to_traces.go) and for what the OpenTelemetry Zipkin exporter (transform.ts)
 * writes, with current semantic-convention names for the endpoints. ARCHITECTURE.md § Zipkin lists the choices.
 */

export interface ZipkinEndpoint {
  serviceName: string;
  ipv4: string;
  ipv6: string;
  /** 0 = absent. */
  port: number;
}

/** A checked Zipkin span: IDs lowercase hex, padded (trace 32, span 16 digits; parentId '' = root), times µs. */
export interface ZipkinSpan {
  /** Its position in the request, for messages. */
  index: number;
  traceId: string;
  id: string;
  parentId: string;
  name: string;
  kind: '' | 'CLIENT' | 'SERVER' | 'PRODUCER' | 'CONSUMER';
  timestamp?: bigint;
  duration?: bigint;
  shared: boolean;
  localEndpoint?: ZipkinEndpoint;
  remoteEndpoint?: ZipkinEndpoint;
  annotations: { timestamp: bigint; value: string }[];
  /** In the order sent. */
  tags: [string, string][];
}

/** OTLP SpanKind numbers; a Zipkin span without kind is local work: INTERNAL (reference §7). */
const KIND_CODES = { '': 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

/** `otel.status_code` as the OTel Zipkin exporters (OK/ERROR) and the Collector (STATUS_CODE_*, Ok) write it. */
const STATUS_CODES: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2, STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

/**
 * Tags that are resource attributes: OTel's Zipkin exporter flattens the resource into every span's tags, and
 * the Collector moves the resource semantic conventions back (its `nonSpanAttributes`). Exact keys, and the
 * prefixes of namespaces that only describe the resource.
 */
const RESOURCE_KEYS = new Set([
  'service.namespace',
  'service.instance.id',
  'service.version',
  'telemetry.sdk.name',
  'telemetry.sdk.language',
  'telemetry.sdk.version',
  'telemetry.auto.version',
  'telemetry.distro.name',
  'telemetry.distro.version',
  'deployment.environment',
  'deployment.environment.name',
  'faas.name',
  'faas.version',
  'faas.instance',
  'faas.max_memory',
]);
const RESOURCE_PREFIXES = ['host.', 'os.', 'process.', 'container.', 'k8s.', 'cloud.', 'device.', 'webengine.', 'aws.ecs.', 'aws.eks.', 'aws.log.', 'heroku.'];

/** Tag keys repeat on every span: the answer is remembered (bounded, so odd keys cannot grow it forever). */
const resourceKeyCache = new Map<string, boolean>();

function isResourceKey(key: string): boolean {
  let is = resourceKeyCache.get(key);
  if (is === undefined) {
    is = RESOURCE_KEYS.has(key) || RESOURCE_PREFIXES.some((p) => key.startsWith(p));
    if (resourceKeyCache.size > 10_000) resourceKeyCache.clear();
    resourceKeyCache.set(key, is);
  }
  return is;
}

type Attr = { key: string; value: { stringValue: string } | { intValue: string } };

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Attr[];
  droppedAttributesCount: number;
  events: { timeUnixNano: string; name: string }[];
  droppedEventsCount: number;
  droppedLinksCount: number;
  status: { code: number; message: string };
}

interface Group {
  resource: Attr[];
  scopes: Map<string, { scope: { name: string; version: string }; spans: OtlpSpan[] }>;
}

/**
 * Maps the spans; those that cannot be stored (no timestamp) are left out and described in `rejections`.
 * Pure and deterministic: the same spans always give the same request (so a retried POST is idempotent).
 */
export function zipkinToOtlpRequest(spans: readonly ZipkinSpan[]): { request: object; rejections: string[] } {
  const rejections: string[] = [];
  const sharedIds = sharedServerIds(spans);
  const groups = new Map<string, Group>();
  for (const z of spans) {
    if (z.timestamp === undefined) {
      rejections.push(`span ${z.index} (id ${z.id}): no timestamp (a fragment without one cannot be stored)`);
      continue;
    }
    const tags = new Map(z.tags);
    const service = z.localEndpoint?.serviceName || 'unknown_service';
    const resource: Attr[] = [strAttr('service.name', service)];
    let resourceKey = service;
    tags.delete('service.name'); // the exporter's copy of the resource's; localEndpoint is Zipkin's answer
    for (const [k, v] of tags) {
      if (isResourceKey(k)) {
        resource.push(strAttr(k, v));
        resourceKey += `\u0000${k}\u0000${v}`;
        tags.delete(k);
      }
    }
    const scope = {
      name: take(tags, 'otel.scope.name') ?? take(tags, 'otel.library.name') ?? '',
      version: take(tags, 'otel.scope.version') ?? take(tags, 'otel.library.version') ?? '',
    };
    take(tags, 'otel.library.name');
    take(tags, 'otel.library.version');
    let group = groups.get(resourceKey);
    if (!group) groups.set(resourceKey, (group = { resource, scopes: new Map() }));
    const scopeKey = `${scope.name}\u0000${scope.version}`;
    let scoped = group.scopes.get(scopeKey);
    if (!scoped) group.scopes.set(scopeKey, (scoped = { scope, spans: [] }));
    scoped.spans.push(otlpSpan(z, tags, sharedIds));
  }
  const resourceSpans = [...groups.values()].map((g) => ({
    resource: { attributes: g.resource },
    scopeSpans: [...g.scopes.values()],
  }));
  return { request: { resourceSpans }, rejections };
}

function otlpSpan(z: ZipkinSpan, tags: Map<string, string>, sharedIds: Map<string, string>): OtlpSpan {
  const start = z.timestamp! * 1000n;
  const end = start + (z.duration ?? 0n) * 1000n;
  let spanId = z.id;
  let parentSpanId = z.parentId;
  const service = z.localEndpoint?.serviceName ?? '';
  if (z.shared && z.kind === 'SERVER') {
    // Jaeger's span-ID deduper, decided at ingest: the server half gets its own ID and the client's as parent.
    spanId = sharedSpanId(z.traceId, z.id);
    parentSpanId = z.id;
  } else if (parentSpanId === z.id) {
    parentSpanId = ''; // its own parent: a root, as the Collector reads it
  } else {
    // A child of a shared server span, sent by the same service, follows it to its new ID.
    parentSpanId = sharedIds.get(sharedKey(z.traceId, z.parentId, service)) ?? parentSpanId;
  }
  const status = statusOf(tags);
  const dropped = (key: string) => {
    const v = tags.get(key);
    if (v === undefined || !/^\d{1,9}$/.test(v)) return 0;
    tags.delete(key);
    return Number(v);
  };
  const droppedAttributesCount = dropped('otel.dropped_attributes_count');
  const droppedEventsCount = dropped('otel.dropped_events_count');
  const droppedLinksCount = dropped('otel.dropped_links_count');
  const traceState = take(tags, 'w3c.tracestate') ?? '';
  const attributes: Attr[] = [...tags].map(([k, v]) => strAttr(k, v));
  endpointAttributes(attributes, tags, z);
  return {
    traceId: z.traceId,
    spanId,
    parentSpanId,
    traceState,
    name: z.name,
    kind: KIND_CODES[z.kind],
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(end),
    attributes,
    droppedAttributesCount,
    events: z.annotations.map((a) => ({ timeUnixNano: String(a.timestamp * 1000n), name: a.value })),
    droppedEventsCount,
    droppedLinksCount,
    status,
  };
}

/**
 * `otel.status_code` (+ `otel.status_description`) is the OTel status; an `error` tag is ERROR with its value
 * as the message (Brave writes the exception message or the HTTP status there; OTel's exporter the status
 * message), except the bare "true"/"" of older tracers. The tags are consumed: the status carries them.
 */
function statusOf(tags: Map<string, string>): { code: number; message: string } {
  const codeTag = take(tags, 'otel.status_code');
  let code = codeTag === undefined ? 0 : (STATUS_CODES[codeTag.toUpperCase()] ?? 0);
  let message = take(tags, 'otel.status_description') ?? '';
  const error = take(tags, 'error');
  if (error !== undefined) {
    code = 2;
    if (error !== '' && error.toLowerCase() !== 'true') message = error;
  }
  return { code, message: code === 2 ? message : '' };
}

/**
 * The endpoints as attributes, current semantic conventions (the Collector writes the deprecated net.host.ip,
 * net.peer.ip/port): remote → `peer.service`, `network.peer.address`/`.port`; local → `network.local.address`/
 * `.port`. A tag of the same key wins: the instrumentation said it explicitly.
 */
function endpointAttributes(out: Attr[], tags: Map<string, string>, z: ZipkinSpan): void {
  const add = (key: string, value: string | number) => {
    if (tags.has(key) || value === '' || value === 0) return;
    out.push(typeof value === 'number' ? { key, value: { intValue: String(value) } } : strAttr(key, value));
  };
  const l = z.localEndpoint;
  if (l) {
    add('network.local.address', l.ipv6 || l.ipv4);
    add('network.local.port', l.port);
  }
  const r = z.remoteEndpoint;
  if (r) {
    add('peer.service', r.serviceName);
    add('network.peer.address', r.ipv6 || r.ipv4);
    add('network.peer.port', r.port);
  }
}

/** traceId/id/service of each shared SERVER span → its new span ID. */
function sharedServerIds(spans: readonly ZipkinSpan[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const z of spans) {
    if (z.shared && z.kind === 'SERVER') out.set(sharedKey(z.traceId, z.id, z.localEndpoint?.serviceName ?? ''), sharedSpanId(z.traceId, z.id));
  }
  return out;
}

const sharedKey = (traceId: string, id: string, service: string) => `${traceId}/${id}/${service}`;

/** A deterministic span ID for the server half of a shared span: the same on every retry of the same POST. */
export function sharedSpanId(traceId: string, id: string): string {
  const hex = createHash('sha256').update(`zipkin-shared:${traceId}:${id}`).digest('hex').slice(0, 16);
  return /^0+$/.test(hex) ? '0000000000000001' : hex;
}

function take(tags: Map<string, string>, key: string): string | undefined {
  const v = tags.get(key);
  if (v !== undefined) tags.delete(key);
  return v;
}

function strAttr(key: string, value: string): Attr {
  return { key, value: { stringValue: value } };
}
