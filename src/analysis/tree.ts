import { SpanKind, type Span, type SpanId } from '../model/span.js';
import { formatMs, nsToMs } from './duration.js';
import type { SpanNode, TraceTree, Warning } from './types.js';

/**
 * Spans → parent/child tree, repairing what real traces get wrong and saying so in a Warning each time:
 * duplicate IDs, self-parents, parent cycles, missing or several roots, clock skew between hosts, async work
 * that outlives its request, and processes without a service name. Orphans (parent not in the trace) become
 * roots without a warning here: the propagation check reports them with their likely cause.
 */

/** Edges between hosts within this much are scheduling and rounding noise, not clock skew worth telling. */
/** Within one service: a child ending this much after its parent is async work, not rounding. */
const SKEW_TOLERANCE_NS = 1_000_000n;
/**
 * Across services: processes on one host already disagree by a millisecond or two (each SDK anchors its own
 * clock), so only a larger offset is worth a clock-skew warning.
 */
const CROSS_SERVICE_SKEW_TOLERANCE_NS = 5_000_000n;

export function buildTree(input: readonly Span[]): TraceTree {
  const warnings: Warning[] = [];
  const spans = dedupe(input, warnings);
  const nodes = new Map<SpanId, SpanNode>();
  for (const span of spans) nodes.set(span.spanId, { span, parent: undefined, children: [], depth: 0 });
  linkParents(nodes, warnings);
  breakCycles(nodes, warnings);

  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    if (node.parent) node.parent.children.push(node);
    else roots.push(node);
  }
  for (const node of nodes.values()) node.children.sort(byStart);
  roots.sort(byStart);
  setDepths(roots);

  warnRoots(spans, roots, warnings);
  for (const node of nodes.values()) warnTiming(node, warnings);
  warnMissingService(spans, warnings);

  const orphans = roots.filter((n) => n.span.parentSpanId !== '' && !nodes.has(n.span.parentSpanId));
  return { spans, roots, nodes, orphans, ...bounds(spans), warnings };
}

export function byStart(a: SpanNode, b: SpanNode): number {
  const x = a.span.startTimeUnixNano;
  const y = b.span.startTimeUnixNano;
  if (x !== y) return x < y ? -1 : 1;
  return a.span.spanId < b.span.spanId ? -1 : a.span.spanId > b.span.spanId ? 1 : 0;
}

/** "checkout's span POST /charge": how warnings and findings name a span for a reader. */
export function spanLabel(span: Span): string {
  return `${span.service}'s span ${span.name}`;
}

export function isUnknownService(service: string): boolean {
  return service === '' || service === 'unknown_service' || service.startsWith('unknown_service:');
}

/** Keeps the first span of each ID: the store returns spans in arrival order, so the first is what came first. */
function dedupe(input: readonly Span[], warnings: Warning[]): Span[] {
  const seen = new Map<SpanId, number>();
  const kept: Span[] = [];
  for (const span of input) {
    const count = seen.get(span.spanId);
    seen.set(span.spanId, (count ?? 0) + 1);
    if (count === undefined) kept.push(span);
  }
  for (const span of kept) {
    const count = seen.get(span.spanId) ?? 1;
    if (count < 2) continue;
    warnings.push({
      kind: 'duplicate-span-id',
      spanId: span.spanId,
      message: `${count} spans share the ID ${span.spanId}; only the first, ${spanLabel(span)}, is shown.`,
    });
  }
  return kept;
}

/** Tentative parent links; a self-parent or a missing parent leaves the span a root. */
function linkParents(nodes: Map<SpanId, SpanNode>, warnings: Warning[]): void {
  for (const node of nodes.values()) {
    const { spanId, parentSpanId } = node.span;
    if (parentSpanId === '') continue;
    if (parentSpanId === spanId) {
      warnings.push({
        kind: 'self-parent',
        spanId,
        message: `${spanLabel(node.span)} names itself as its parent; it is shown as a root.`,
      });
      continue;
    }
    node.parent = nodes.get(parentSpanId);
  }
}

/**
 * Each span has one parent link, so following links from any span either ends at a root or loops. A loop is
 * cut at its earliest-starting span, the likeliest real caller, which becomes a root.
 */
function breakCycles(nodes: Map<SpanId, SpanNode>, warnings: Warning[]): void {
  const state = new Map<SpanNode, 'open' | 'done'>();
  for (const start of nodes.values()) {
    const path: SpanNode[] = [];
    let n: SpanNode | undefined = start;
    while (n && !state.has(n)) {
      state.set(n, 'open');
      path.push(n);
      n = n.parent;
    }
    if (n && state.get(n) === 'open') {
      const cycle = path.slice(path.indexOf(n));
      const cut = [...cycle].sort(byStart)[0];
      cut.parent = undefined;
      const names = cycle.slice(0, 4).map((c) => spanLabel(c.span));
      warnings.push({
        kind: 'cycle',
        spanId: cut.span.spanId,
        message:
          `The parent links of ${names.join(', ')}${cycle.length > 4 ? ' and others' : ''} form a loop; ` +
          `${spanLabel(cut.span)}, which starts first, is shown as a root.`,
      });
    }
    for (const p of path) state.set(p, 'done');
  }
}

function setDepths(roots: SpanNode[]): void {
  const stack = [...roots];
  for (let n = stack.pop(); n; n = stack.pop()) {
    for (const c of n.children) {
      c.depth = n.depth + 1;
      stack.push(c);
    }
  }
}

function warnRoots(spans: Span[], roots: SpanNode[], warnings: Warning[]): void {
  // A span naming itself as parent is a root with a garbled parent ID (already warned about), not a lost root.
  const parentless = spans.filter((s) => s.parentSpanId === '' || s.parentSpanId === s.spanId);
  if (spans.length > 0 && parentless.length === 0) {
    warnings.push({
      kind: 'no-root',
      message:
        'No span of this trace is its root: the first span (the request that started the trace) was not ' +
        `received, so ${roots.length === 1 ? 'one span is shown as the root' : `${roots.length} spans are shown as roots`} instead.`,
    });
  }
  if (parentless.length > 1) {
    const names = parentless.slice(0, 3).map(spanLabel).join(', ');
    warnings.push({
      kind: 'multiple-roots',
      spanId: parentless[1].spanId,
      message:
        `${parentless.length} spans of this trace have no parent (${names}${parentless.length > 3 ? ', …' : ''}): ` +
        'they share the trace ID but not a caller, so they are shown side by side.',
    });
  }
}

/**
 * Clock skew vs async work. Across services the two spans were timed by different hosts, so a child outside
 * its parent means their clocks disagree. Within one service the clock is the same, so a child ending late
 * really ran on after the parent finished. Messaging is asynchronous by design: a consumer outliving its
 * producer is normal and not reported.
 */
function warnTiming(node: SpanNode, warnings: Warning[]): void {
  const parent = node.parent;
  if (!parent) return;
  const c = node.span;
  const p = parent.span;
  const early = p.startTimeUnixNano - c.startTimeUnixNano;
  const late = c.endTimeUnixNano - p.endTimeUnixNano;
  if (c.service !== p.service) {
    const messaging = p.kind === SpanKind.PRODUCER || c.kind === SpanKind.CONSUMER;
    const tol = CROSS_SERVICE_SKEW_TOLERANCE_NS;
    const off = early > tol ? early : late > tol && !messaging ? late : 0n;
    if (off === 0n) return;
    const by = formatMs(nsToMs(off));
    const where = off === early ? `starts ${by} before` : `ends ${by} after`;
    warnings.push({
      kind: 'clock-skew',
      spanId: c.spanId,
      message:
        `${spanLabel(c)} ${where} its parent ${spanLabel(p)}: the clocks of the ${p.service} and ${c.service} ` +
        `hosts disagree by at least ${by}.`,
    });
  } else if (late > SKEW_TOLERANCE_NS) {
    warnings.push({
      kind: 'child-outlives-parent',
      spanId: c.spanId,
      message:
        `${spanLabel(c)} ends ${formatMs(nsToMs(late))} after its parent ${p.name}: ` +
        'work started by the request went on after the request finished.',
    });
  }
}

/** One warning per unnamed process, not per span: the fix (set OTEL_SERVICE_NAME) is per process. */
function warnMissingService(spans: Span[], warnings: Warning[]): void {
  const byService = new Map<string, Span[]>();
  for (const s of spans) {
    if (!isUnknownService(s.service)) continue;
    const list = byService.get(s.service) ?? [];
    list.push(s);
    byService.set(s.service, list);
  }
  for (const [service, list] of byService) {
    const count = list.length === 1 ? '1 span' : `${list.length} spans`;
    warnings.push({
      kind: 'missing-service',
      spanId: list[0].spanId,
      message:
        `${count} (first: ${list[0].name}) came from a process without a service.name, shown as ` +
        `"${service || 'unknown_service'}": set OTEL_SERVICE_NAME in that process.`,
    });
  }
}

function bounds(spans: Span[]): { startNs: bigint; endNs: bigint } {
  if (spans.length === 0) return { startNs: 0n, endNs: 0n };
  let startNs = spans[0].startTimeUnixNano;
  let endNs = spans[0].endTimeUnixNano;
  for (const s of spans) {
    if (s.startTimeUnixNano < startNs) startNs = s.startTimeUnixNano;
    if (s.endTimeUnixNano > endNs) endNs = s.endTimeUnixNano;
  }
  return { startNs, endNs };
}
