import { isRetry, operationOf } from './call-operation.js';
import { formatMs, nsToMs, OVERLAP_TOLERANCE_NS, unionNs } from './duration.js';
import { isOutgoing } from './semconv.js';
import { calleeOf } from './span-name.js';
import type { FanOutFinding, SpanNode, TraceTree } from './types.js';

/**
 * Advice about the outgoing calls of each span, in two kinds a reviewer would sign: the same call made again
 * and again one after another (an N+1 loop: batch it), and calls to different targets made one after another
 * (run them concurrently, if they do not depend on each other, which no trace can tell). Calls that already
 * overlap are facts the waterfall shows, never advice. Repeated calls rank first: that advice holds whatever
 * the calls depend on.
 */

interface Call {
  node: SpanNode;
  target: string;
  operation: string;
  start: bigint;
  end: bigint;
}

/** Below a millisecond a saving is scheduling noise (the Node SDK's back-to-back calls overlap by ~0.5 ms). */
const MIN_SAVING_NS = 1_000_000n;

export function findFanOuts(tree: TraceTree): FanOutFinding[] {
  const findings: FanOutFinding[] = [];
  for (const node of tree.nodes.values()) {
    const calls = callsOf(node);
    if (calls.length >= 2) findings.push(...repeatedCalls(node, calls), ...sequentialCalls(node, calls));
  }
  const startOf = new Map([...tree.nodes].map(([id, n]) => [id, n.span.startTimeUnixNano]));
  return findings.sort((a, b) => {
    if (a.kind !== b.kind) return a.kind === 'repeated' ? -1 : 1;
    const d = b.couldSaveMs - a.couldSaveMs || b.callSpanIds.length - a.callSpanIds.length;
    if (d !== 0) return d;
    const x = startOf.get(a.spanId)!;
    const y = startOf.get(b.spanId)!;
    return x < y ? -1 : x > y ? 1 : a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0;
  });
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
    operation: operationOf(c),
    start: c.span.startTimeUnixNano,
    end: c.span.endTimeUnixNano > c.span.startTimeUnixNano ? c.span.endTimeUnixNano : c.span.startTimeUnixNano,
  }));
}

/**
 * The callee's name, as every page names it (span-name.ts calleeOf: the peer service, else the service that
 * answered — "inventory" says more than "127.0.0.1:44605" — else host:port), else the call's own name.
 */
export function targetOf(call: SpanNode): string {
  if (!isOutgoing(call.span)) return call.span.service;
  return calleeOf(call) || call.span.name;
}

/** How many rounds the calls (sorted by start) ran in: a call that starts after all earlier ones ended opens one. */
function roundsOf(calls: Call[]): Call[][] {
  const rounds: Call[][] = [];
  let maxEnd = 0n;
  for (const c of calls) {
    // A call that starts within OVERLAP_TOLERANCE_NS before the previous ones ended still followed them.
    if (rounds.length === 0 || c.start + OVERLAP_TOLERANCE_NS >= maxEnd) rounds.push([c]);
    else rounds[rounds.length - 1].push(c);
    if (c.end > maxEnd) maxEnd = c.end;
  }
  return rounds;
}

const keyOf = (c: Call) => `${c.target}\u0000${c.operation}`;
const wallOf = (calls: Call[]) => unionNs(calls.map((c) => [c.start, c.end] as const));

function byKey(calls: Call[]): Call[][] {
  const groups = new Map<string, Call[]>();
  for (const c of calls) {
    const g = groups.get(keyOf(c));
    if (g) g.push(c);
    else groups.set(keyOf(c), [c]);
  }
  return [...groups.values()];
}

/**
 * (a) The same call (target and operation) made N times, at least partly one after another. Batched or run
 * concurrently they would take about as long as the longest one. Retries of a failed attempt do not count.
 */
function repeatedCalls(node: SpanNode, calls: Call[]): FanOutFinding[] {
  const found: FanOutFinding[] = [];
  for (const all of byKey(calls)) {
    const group = all.filter((c, i) => i === 0 || !isRetry(c.node, all[i - 1].node));
    if (group.length < 2) continue;
    const rounds = roundsOf(group).length;
    if (rounds < 2) continue;
    const wallNs = wallOf(group);
    const longest = group.reduce((m, c) => (c.end - c.start > m ? c.end - c.start : m), 0n);
    const saveNs = wallNs - longest;
    if (saveNs < MIN_SAVING_NS) continue;
    const { target, operation } = group[0];
    const n = group.length;
    const op = shorten(operation);
    const how = rounds === n ? `${n} sequential ${op} calls to ${target}` : `${n} ${op} calls to ${target} in ${rounds} rounds`;
    found.push({
      kind: 'repeated',
      ...about(node, group, [target], rounds, wallNs, saveNs),
      target,
      operation,
      message:
        `${node.span.service} made ${how} (${formatMs(nsToMs(wallNs))}): ` +
        `batch them or run them concurrently to save up to ${formatMs(nsToMs(saveNs))}.`,
    });
  }
  return found;
}

/**
 * (b) Calls to different targets, at least partly one after another. The estimate runs every target's calls
 * concurrently with the others', each target's identical calls kept as they run now: running an N+1 loop
 * concurrently is (a)'s advice, and counting it here too would overstate the saving.
 */
function sequentialCalls(node: SpanNode, calls: Call[]): FanOutFinding[] {
  const targets = [...new Set(calls.map((c) => c.target))];
  const rounds = roundsOf(calls);
  if (targets.length < 2 || rounds.length < 2) return [];
  const wallNs = wallOf(calls);
  const groups = byKey(calls);
  const concurrentNs = groups.map(wallOf).reduce((m, w) => (w > m ? w : m), 0n);
  const saveNs = wallNs - concurrentNs;
  if (saveNs < MIN_SAVING_NS) return [];
  const kept = groups.some((g) => roundsOf(g).length >= 2) ? ' (repeated calls kept in sequence)' : '';
  return [{
    kind: 'sequential',
    ...about(node, calls, targets, rounds.length, wallNs, saveNs),
    message:
      `${node.span.service} called ${describe(rounds)} (${formatMs(nsToMs(wallNs))}): if these calls do not depend on ` +
      `each other, running them concurrently could save up to ${formatMs(nsToMs(saveNs))}${kept}.`,
  }];
}

function about(node: SpanNode, calls: Call[], targets: string[], rounds: number, wallNs: bigint, saveNs: bigint) {
  return {
    spanId: node.span.spanId,
    service: node.span.service,
    name: node.span.name,
    calls: calls.length,
    callSpanIds: calls.map((c) => c.node.span.spanId),
    targets,
    rounds,
    wallMs: nsToMs(wallNs),
    couldSaveMs: nsToMs(saveNs),
  };
}

/**
 * The calls as they ran: "inventory 5 times, pricing-api and payments, one after another" when each waited
 * for the previous one; "legacy and checkout together, then audit" when some overlapped.
 */
function describe(rounds: Call[][]): string {
  const parts: Array<{ text: string; times: number }> = [];
  for (const round of rounds) {
    const names = [...new Set(round.map((c) => c.target))];
    const text =
      round.length === 1 ? names[0] : names.length === 1 ? `${names[0]} (${round.length} at once)` : `${listOf(names)} together`;
    const last = parts.at(-1);
    if (last?.text === text) last.times++;
    else parts.push({ text, times: 1 });
  }
  const shown = parts.map((p) => (p.times === 1 ? p.text : `${p.text} ${p.times} times`));
  if (rounds.every((r) => r.length === 1)) return `${listOf(shown)}, one after another`;
  if (shown.length <= 4) return shown.join(', then ');
  return `${shown.slice(0, 3).join(', then ')}, then ${shown.length - 3} more rounds`;
}

function listOf(items: string[]): string {
  if (items.length === 1) return items[0];
  if (items.length <= 4) return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
  return `${items.slice(0, 3).join(', ')} and ${items.length - 3} more`;
}

function shorten(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 60 ? `${one.slice(0, 59)}…` : one;
}
