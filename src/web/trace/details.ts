import { spanLabel } from '../../analysis/span-name.js';
import type { TraceAnalysis, TraceTree } from '../../analysis/types.js';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES, type Attributes, type Span, type SpanId } from '../../model/span.js';
import { formatMs, hueStyle, isoUtc } from '../format.js';
import { valueText } from './find.js';

/** The span details panel: every field of one span, formatted, with links to its parent and linked traces. */

export interface AttrRow {
  key: string;
  value: string;
}

export interface EventView {
  name: string;
  offset: string;
  attributes: AttrRow[];
  exception: { type: string; message: string; stacktrace: string } | null;
}

export interface SpanDetails {
  spanId: SpanId;
  traceId: string;
  name: string;
  /** What the span does, as the waterfall names it (span-name.ts): "POST → payments"; `name` when the same. */
  label: string;
  service: string;
  hue: string;
  kind: string;
  status: string;
  statusMessage: string;
  error: boolean;
  startIso: string;
  offset: string;
  duration: string;
  self: string;
  criticalMs: string | null;
  parent: { spanId: SpanId; href: string | null } | null;
  traceState: string;
  flags: string;
  attributes: AttrRow[];
  resource: AttrRow[];
  scope: { name: string; version: string; attributes: AttrRow[] };
  events: EventView[];
  links: Array<{ traceId: string; spanId: string; href: string; attributes: AttrRow[] }>;
  dropped: string[];
}

export function spanDetails(
  tree: TraceTree,
  analysis: Pick<TraceAnalysis, 'selfTimeMs' | 'criticalPath'>,
  span: Span,
  spanHref: (id: SpanId) => string,
): SpanDetails {
  const durMs = nsMs(span.endTimeUnixNano - span.startTimeUnixNano);
  const onPath = analysis.criticalPath.filter((p) => p.spanId === span.spanId).reduce((a, p) => a + p.ms, 0);
  return {
    spanId: span.spanId,
    traceId: span.traceId,
    name: span.name,
    label: labelOf(tree, span),
    service: span.service,
    hue: hueStyle(span.service),
    kind: SPAN_KIND_NAMES[span.kind] ?? 'unspecified',
    status: STATUS_CODE_NAMES[span.statusCode] ?? 'unset',
    statusMessage: span.statusMessage,
    error: span.error,
    startIso: isoUtc(span.startTimeUnixNano),
    offset: `+${formatMs(nsMs(span.startTimeUnixNano - tree.startNs))}`,
    duration: formatMs(durMs),
    self: formatMs(analysis.selfTimeMs[span.spanId] ?? durMs),
    criticalMs: onPath > 0 ? formatMs(onPath) : null,
    parent: span.parentSpanId
      ? { spanId: span.parentSpanId, href: tree.nodes.has(span.parentSpanId) ? spanHref(span.parentSpanId) : null }
      : null,
    traceState: span.traceState,
    flags: `0x${span.flags.toString(16).padStart(2, '0')}`,
    attributes: attrRows(span.attributes),
    resource: attrRows(span.resource.attributes),
    scope: { name: span.scope.name, version: span.scope.version, attributes: attrRows(span.scope.attributes) },
    events: span.events.map((e) => ({
      name: e.name,
      offset: `+${formatMs(nsMs(e.timeUnixNano - span.startTimeUnixNano))}`,
      attributes: attrRows(e.attributes).filter((a) => !(e.name === 'exception' && a.key === 'exception.stacktrace')),
      exception: e.name === 'exception' ? exceptionOf(e.attributes) : null,
    })),
    links: span.links.map((l) => ({
      traceId: l.traceId,
      spanId: l.spanId,
      href: `/trace/${l.traceId}?span=${l.spanId}`,
      attributes: attrRows(l.attributes),
    })),
    dropped: dropped(span),
  };
}

function exceptionOf(a: Attributes): SpanDetails['events'][number]['exception'] {
  const s = (k: string) => (a[k] === undefined || a[k] === null ? '' : valueText(a[k]));
  return { type: s('exception.type'), message: s('exception.message'), stacktrace: s('exception.stacktrace') };
}

function attrRows(a: Attributes): AttrRow[] {
  return Object.keys(a)
    .sort()
    .map((key) => ({ key, value: valueText(a[key]) }));
}

function dropped(s: Span): string[] {
  const out: string[] = [];
  if (s.droppedAttributesCount) out.push(`${s.droppedAttributesCount} attributes`);
  if (s.droppedEventsCount) out.push(`${s.droppedEventsCount} events`);
  if (s.droppedLinksCount) out.push(`${s.droppedLinksCount} links`);
  return out;
}

const nsMs = (ns: bigint) => Number(ns) / 1e6;

function labelOf(tree: TraceTree, span: Span): string {
  const node = tree.nodes.get(span.spanId);
  return node ? spanLabel(node) : span.name;
}
