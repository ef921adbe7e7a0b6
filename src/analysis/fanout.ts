import { formatMs, nsToMs, OVERLAP_TOLERANCE_NS, unionNs } from './duration.js';
import { callOperation, callTarget, isOutgoing } from './semconv.js';
import type { FanOutFinding, SpanNode, TraceTree } from './types.js';

/**
 * Spans that make several outgoing calls: how many ran one after another, what running them in parallel
 * would save, and identical calls repeated (N+1 queries).
 */

interface Call {
  node: SpanNode;
  target: string;
  operation: string;
  start: bigint;
  end: bigint;
}

export function findFanOuts(tree: TraceTree): FanOutFinding[] {
  const findings: Array<FanOutFinding & { startNs: bigint }> = [];
  for (const node of tree.nodes.values()) {
    const calls = callsOf(node);
    if (calls.length >= 2) findings.push({ ...analyse(node, calls), startNs: node.span.startTimeUnixNano });
  }
  findings.sort(
    (a, b) =>
      b.couldSaveMs - a.couldSaveMs ||
      b.calls - a.calls ||
      (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : a.spanId < b.spanId ? -1 : 1),
  );
  return findings.map(({ startNs: _startNs, ...f }) => f);
}

/**
 * A span's outgoing calls are its CLIENT/PRODUCER children. When it has none, children in another service
 * stand in for them (a SERVER span directly under a span whose client side was not instrumented). The
 * fallback is skipped for CLIENT/PRODUCER spans themselves: their children in another service are the callee
 * handling that one call (or its retries), not calls of their own. Calls made from nested INTERNAL spans
 * are not pooled into the parent: each INTERNAL span that makes calls is reported on its own, which keeps
 * "who made these calls" exact.
 */
function callsOf(node: SpanNode): Call[] {
  let children = node.children.filter((c) => isOutgoing(c.span));
  if (children.length === 0 && !isOutgoing(node.span)) {
    children = node.children.filter((c) => c.span.service !== node.span.service);
  }
  return children.map((c) => ({
    node: c,
    target: targetOf(c),
    operation: callOperation(c.span),
    start: c.span.startTimeUnixNano,
    end: c.span.endTimeUnixNano > c.span.startTimeUnixNano ? c.span.endTimeUnixNano : c.span.startTimeUnixNano,
  }));
}

/**
 * The callee's name: the peer service the caller named, else the service that answered (its span is right
 * there, and "inventory" says more than "127.0.0.1:44605"), else the call's host:port or URL, else its name.
 */
export function targetOf(call: SpanNode): string {
  if (!isOutgoing(call.span)) return call.span.service;
  const target = callTarget(call.span);
  if (target?.service) return target.service;
  const callee = call.children.find((c) => c.span.service !== call.span.service);
  if (callee) return callee.span.service;
  return target?.label ?? call.span.name;
}

function analyse(node: SpanNode, calls: Call[]): FanOutFinding {
  // Children arrive sorted by start then span ID; calls keep that order.
  let maxEnd = calls[0].end;
  let sequential = 0;
  // A call that starts within OVERLAP_TOLERANCE_NS before the previous one ended still followed it.
  for (let i = 1; i < calls.length; i++) {
    if (calls[i].start + OVERLAP_TOLERANCE_NS >= maxEnd) sequential++;
    if (calls[i].end > maxEnd) maxEnd = calls[i].end;
  }
  // The first call belongs to a chain when the second one follows it.
  if (calls[1].start + OVERLAP_TOLERANCE_NS >= calls[0].end) sequential++;
  const wallNs = unionNs(calls.map((c) => [c.start, c.end] as const));
  const parallelNs = parallelWallNs(calls);
  const saveNs = wallNs > parallelNs ? wallNs - parallelNs : 0n;
  const targets = [...new Set(calls.map((c) => c.target))];
  const repeated = repeats(calls);
  const finding = {
    spanId: node.span.spanId,
    service: node.span.service,
    name: node.span.name,
    calls: calls.length,
    sequentialCalls: sequential,
    parallelCalls: calls.length - sequential,
    targets,
    couldSaveMs: nsToMs(saveNs),
    repeated,
  };
  return { ...finding, message: message(finding, wallNs, parallelNs) };
}

/**
 * Wall time if the calls ran in parallel. Identical calls (same target and operation) stay one after another
 * among themselves: running an N+1 loop concurrently is not the fix (batching is), and claiming it would
 * overstate the saving. Calls to one target with different operations may overlap.
 */
function parallelWallNs(calls: Call[]): bigint {
  const sums = new Map<string, bigint>();
  for (const c of calls) {
    const key = `${c.target}\u0000${c.operation}`;
    sums.set(key, (sums.get(key) ?? 0n) + (c.end - c.start));
  }
  let wall = 0n;
  for (const s of sums.values()) if (s > wall) wall = s;
  return wall;
}

function repeats(calls: Call[]): FanOutFinding['repeated'] {
  const groups = new Map<string, { target: string; operation: string; count: number }>();
  for (const c of calls) {
    const key = `${c.target}\u0000${c.operation}`;
    const g = groups.get(key) ?? { target: c.target, operation: c.operation, count: 0 };
    g.count++;
    groups.set(key, g);
  }
  return [...groups.values()].filter((g) => g.count >= 2);
}

function message(f: Omit<FanOutFinding, 'message'>, wallNs: bigint, parallelNs: bigint): string {
  const how =
    f.parallelCalls === 0
      ? ' one after another'
      : f.sequentialCalls === 0
        ? ' in parallel'
        : `, ${f.sequentialCalls} one after another and ${f.parallelCalls} in parallel`;
  const what =
    f.targets.length === 1 ? `called ${f.targets[0]} ${f.calls} times` : `made ${f.calls} calls to ${listOf(f.targets)}`;
  let text = `${f.service} ${what}${how} (${formatMs(nsToMs(wallNs))})`;
  if (f.couldSaveMs > 0) {
    text += `; run in parallel they would take ${formatMs(nsToMs(parallelNs))}, saving ${formatMs(f.couldSaveMs)}`;
  }
  const top = [...f.repeated].sort((a, b) => b.count - a.count)[0];
  if (top) {
    text += `; ${top.count} of them are the same call to ${top.target} (${shorten(top.operation)}), which one batched call could replace`;
  }
  return `${text}.`;
}

function listOf(items: string[]): string {
  if (items.length <= 3) return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
  return `${items.slice(0, 3).join(', ')} and ${items.length - 3} more`;
}

function shorten(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? `${one.slice(0, 59)}…` : one;
}
