import type { SpanId } from '../model/span.js';
import { nsToMs, OVERLAP_TOLERANCE_NS, unionNs } from './duration.js';
import { callTarget, isOutgoing } from './semconv.js';
import type { PathSegment, ServiceTime, SpanNode, TraceTree } from './types.js';

/**
 * Where a trace's time went: each span's self time, the critical path (the chain of work the trace's end
 * waited on), and the critical path's time per service. All arithmetic is in bigint ns, converted to ms at
 * the end, so the path's segments add up to the duration exactly before rounding.
 */

export interface TimeAnalysis {
  durationMs: number;
  timeByService: ServiceTime[];
  selfTimeMs: Record<SpanId, number>;
  criticalPath: PathSegment[];
}

/**
 * Time no span covers when a trace has several roots (or orphans): the virtual root that spans the whole
 * trace owns it. Shown as a service of its own, not instrumented, because that is what it says: something
 * ran there that sent no spans, or the spans were lost.
 */
export const UNTRACED_GAP = '(untraced gap)';

export function timeAnalysis(tree: TraceTree): TimeAnalysis {
  const selfTimeMs = selfTimes(tree);
  if (tree.spans.length === 0) return { durationMs: 0, timeByService: [], selfTimeMs, criticalPath: [] };
  const { raw, durationNs } = walkCriticalPath(tree);
  const criticalPath = raw.map(toSegment);
  const services = new Set(tree.spans.map((s) => s.service));
  const timeByService = sumByService(raw, services, durationNs);
  return { durationMs: nsToMs(durationNs), timeByService, selfTimeMs, criticalPath };
}

/** A span's duration minus the time its children (clipped to it) cover, whatever their overlap. */
function selfTimes(tree: TraceTree): Record<SpanId, number> {
  const out: Record<SpanId, number> = {};
  for (const node of tree.nodes.values()) {
    const { startTimeUnixNano: start, endTimeUnixNano: end } = node.span;
    if (end <= start) {
      out[node.span.spanId] = 0;
      continue;
    }
    const covered = unionNs(node.children.map((c) => clip(c, start, end)));
    out[node.span.spanId] = nsToMs(end - start - covered);
  }
  return out;
}

/** One stretch of the critical path; `node` undefined is the virtual root's uncovered time. */
interface RawSegment {
  node: SpanNode | undefined;
  ns: bigint;
}

interface Frame {
  node: SpanNode | undefined;
  from: bigint;
  /** Walking backwards: the time down to which this frame's time is accounted for. */
  point: bigint;
  /** Children clipped to [from, to], latest end first. */
  kids: Clipped[];
  next: number;
}

interface Clipped {
  node: SpanNode;
  start: bigint;
  end: bigint;
}

/**
 * Jaeger's backwards walk. From a span's end, take the child that ends last at or before the current point,
 * give the gap after it to the span, descend into the child, and continue from the child's start; what is
 * left down to the span's start is the span's own. Children are clipped to their parent first, so skewed
 * clocks and async children cannot push the path outside the parent. One root: the trace's duration is that
 * root's (the latency its caller saw; async work after it is off the path). Several roots (orphans, several
 * parentless spans): a virtual root covering the whole trace, whose own time is the untraced gap.
 * An explicit stack instead of recursion, because traces can be thousands of spans deep.
 */
function walkCriticalPath(tree: TraceTree, sink?: StretchSink): { raw: RawSegment[]; durationNs: bigint } {
  const single = tree.roots.length === 1 ? tree.roots[0] : undefined;
  const from = single ? single.span.startTimeUnixNano : tree.startNs;
  const to = single ? max(single.span.endTimeUnixNano, from) : tree.endNs;
  const rootKids = single ? single.children : tree.roots;
  const stack: Frame[] = [{ node: single, from, point: to, kids: clipAll(rootKids, from, to), next: 0 }];
  const raw: RawSegment[] = [];
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    while (f.next < f.kids.length && f.kids[f.next].end > f.point + OVERLAP_TOLERANCE_NS) f.next++;
    const kid = f.kids[f.next];
    if (!kid) {
      push(raw, f.node, f.point - f.from);
      if (sink && f.node && f.point > f.from) sink(f.node, f.from, f.point);
      stack.pop();
      continue;
    }
    f.next++;
    if (kid.start >= f.point) continue; // wholly inside the tolerance after the point: nothing to walk
    const end = min(kid.end, f.point);
    push(raw, f.node, f.point - end);
    if (sink && f.node && f.point > end) sink(f.node, end, f.point);
    f.point = kid.start;
    const kids = clipAll(kid.node.children, kid.start, end);
    stack.push({ node: kid.node, from: kid.start, point: end, kids, next: 0 });
  }
  return { raw: raw.reverse(), durationNs: to - from };
}

type StretchSink = (node: SpanNode, startNs: bigint, endNs: bigint) => void;

/** One stretch of time on the critical path, in the span's own clock (after clipping to its parent). */
export interface CriticalStretch {
  startNs: bigint;
  endNs: bigint;
}

/**
 * Where on each span's bar the critical path runs: the same walk as `timeAnalysis`, keeping each stretch's
 * start and end instead of only its length, earliest first. The stretches of one span add up to the ms that
 * span has in `criticalPath`; the virtual root's untraced gap belongs to no span and is not included.
 */
export function criticalStretches(tree: TraceTree): Map<SpanId, CriticalStretch[]> {
  const out = new Map<SpanId, CriticalStretch[]>();
  if (tree.spans.length === 0) return out;
  walkCriticalPath(tree, (node, startNs, endNs) => {
    const list = out.get(node.span.spanId) ?? [];
    list.push({ startNs, endNs });
    out.set(node.span.spanId, list);
  });
  for (const list of out.values()) list.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));
  return out;
}

/** Appends in walk (backwards) order, merging with the previous stretch of the same span; drops empty ones. */
function push(raw: RawSegment[], node: SpanNode | undefined, ns: bigint): void {
  if (ns <= 0n) return;
  const last = raw[raw.length - 1];
  if (last && last.node === node) last.ns += ns;
  else raw.push({ node, ns });
}

/** Latest end first; on a tie the longer child, as the one the parent waited on longest. */
function clipAll(children: SpanNode[], from: bigint, to: bigint): Clipped[] {
  const out: Clipped[] = [];
  for (const node of children) {
    const [start, end] = clip(node, from, to);
    if (end > start) out.push({ node, start, end });
  }
  return out.sort((a, b) => (a.end !== b.end ? (a.end > b.end ? -1 : 1) : a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

function clip(node: SpanNode, from: bigint, to: bigint): [bigint, bigint] {
  return [max(node.span.startTimeUnixNano, from), min(node.span.endTimeUnixNano, to)];
}

function toSegment(r: RawSegment): PathSegment {
  if (!r.node) return { spanId: '', service: UNTRACED_GAP, name: UNTRACED_GAP, ms: nsToMs(r.ns) };
  const { spanId, service, name } = r.node.span;
  return { spanId, service, name, ms: nsToMs(r.ns) };
}

/**
 * Who the time belongs to. A CLIENT/PRODUCER span without children called something that sent no spans:
 * the time was spent there, so it goes to that callee (its peer service or host:port), not instrumented
 * unless a service of that name is in the trace. A leaf call whose target is unknown stays with the caller.
 */
export function attribution(node: SpanNode | undefined, services: ReadonlySet<string>): { service: string; instrumented: boolean } {
  if (!node) return { service: UNTRACED_GAP, instrumented: false };
  if (node.children.length === 0 && isOutgoing(node.span)) {
    const label = callTarget(node.span)?.label;
    if (label) return { service: label, instrumented: services.has(label) };
  }
  return { service: node.span.service, instrumented: true };
}

function sumByService(raw: RawSegment[], services: ReadonlySet<string>, durationNs: bigint): ServiceTime[] {
  const acc = new Map<string, { ns: bigint; instrumented: boolean }>();
  for (const r of raw) {
    const { service, instrumented } = attribution(r.node, services);
    const entry = acc.get(service) ?? { ns: 0n, instrumented: false };
    entry.ns += r.ns;
    entry.instrumented ||= instrumented;
    acc.set(service, entry);
  }
  const total = Number(durationNs);
  return [...acc]
    .map(([service, e]) => ({
      service,
      selfMs: nsToMs(e.ns),
      share: total > 0 ? Number(e.ns) / total : 0,
      instrumented: e.instrumented,
    }))
    .sort((a, b) => b.selfMs - a.selfMs || (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
