import { SpanKind, type Span } from '../model/span.js';
import { DEFAULT_SKEW_NS, indexCandidates, matchCallee, shortId } from './callee-match.js';
import { isOutgoing } from './semconv.js';
import type { BrokenLink, Orphan, Propagation, SpanNode, TraceTree } from './types.js';

/** OTLP Span.flags: 0x100 = "the parent's remoteness is known", 0x200 = "the parent is remote". */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

/**
 * Where trace context was lost (reference §4): spans whose parent never arrived, and outgoing calls that were
 * handled in another trace. `candidates` are root SERVER/CONSUMER spans of other traces around this one
 * (parentless, or orphans in their own trace); the caller picks them, this function only compares.
 */
export function findPropagationProblems(
  tree: TraceTree,
  candidates: readonly Span[],
  opts: { skewNs?: bigint } = {},
): Propagation {
  return { orphans: tree.orphans.map(toOrphan), brokenLinks: findBrokenLinks(tree, candidates, opts.skewNs) };
}

function toOrphan(node: SpanNode): Orphan {
  const { span } = node;
  const remoteParent = (span.flags & (HAS_IS_REMOTE | IS_REMOTE)) === (HAS_IS_REMOTE | IS_REMOTE);
  return {
    spanId: span.spanId,
    service: span.service,
    name: span.name,
    parentSpanId: span.parentSpanId,
    remoteParent,
    message: orphanMessage(span, remoteParent),
  };
}

function orphanMessage(span: Span, remoteParent: boolean): string {
  const head = `${span.service}'s span ${span.name} has a parent ${shortId(span.parentSpanId)} that never arrived`;
  if (remoteParent) {
    return `${head}: the caller is not instrumented, exports elsewhere, or its span was lost`;
  }
  if (span.flags & HAS_IS_REMOTE) {
    // The SDK says the parent was local: a span of the same process that was dropped or is still being exported.
    return `${head}: it was a span of ${span.service} itself that was dropped, sampled out or not exported yet`;
  }
  return `${head}: the caller is not instrumented, exports elsewhere, or its span was lost or not exported yet`;
}

/** Leaf CLIENT/PRODUCER spans, in start order, so an earlier call gets the first pick of a shared callee. */
export function leafOutgoing(tree: TraceTree): Span[] {
  const leaves: Span[] = [];
  for (const node of tree.nodes.values()) {
    if (node.children.length === 0 && isOutgoing(node.span)) leaves.push(node.span);
  }
  return leaves.sort((a, b) => {
    if (a.startTimeUnixNano !== b.startTimeUnixNano) return a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1;
    return a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0;
  });
}

function findBrokenLinks(tree: TraceTree, candidates: readonly Span[], skewNs = DEFAULT_SKEW_NS): BrokenLink[] {
  const index = indexCandidates(candidates); // matchCallee skips spans of the client's own trace
  const links: BrokenLink[] = [];
  for (const client of leafOutgoing(tree)) {
    const match = matchCallee(client, index, skewNs);
    if (!match) continue; // a leaf call nobody else reported: an uninstrumented callee, not a broken link
    const { callee, target } = match;
    links.push({
      fromService: client.service,
      toService: callee.service,
      clientSpanId: client.spanId,
      matchedTraceId: callee.traceId,
      matchedSpanId: callee.spanId,
      target: target.label,
      message: brokenLinkMessage(client, callee, target.label),
    });
  }
  return links;
}

export function brokenLinkMessage(client: Span, callee: Span, target: string): string {
  const other = `in another trace (${shortId(callee.traceId)})`;
  if (client.kind === SpanKind.PRODUCER) {
    return `${client.service} published to ${target} and ${callee.service} consumed it ${other}: ${client.service} does not inject traceparent into its messages.`;
  }
  return `${client.service} called ${target} and ${callee.service} handled it ${other}: ${client.service} does not forward traceparent on its outbound calls.`;
}
