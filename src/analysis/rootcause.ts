import { targetOf } from './fanout.js';
import { exceptionOf, httpStatus, isError, isIncoming, isOutgoing } from './semconv.js';
import { spanLabel } from './span-name.js';
import type { ErrorHop, RootCause, SpanNode, TraceTree } from './types.js';
import { byStart } from './tree.js';

/**
 * Where a trace's error started. Errors travel upwards: payments answers 500, checkout's CLIENT span to it
 * fails, so checkout's SERVER span answers 502, and so on to the root. Frameworks put spans in between that
 * never fail themselves: with Express, SERVER `GET /checkout` → INTERNAL middleware and `request handler -
 * /checkout` spans → the CLIENT calls, and the exception is recorded on the callee's handler span, not on its
 * SERVER span. So an errored span's error is explained by any errored descendant, not only a child, and a
 * span that did not fail stops the error only when its request did not fail either (a retry or fallback
 * worked): a non-failing handler span under a failing SERVER span handled nothing.
 */

interface Walk {
  /** The errored spans from the origin root-ward. */
  hops: SpanNode[];
  /** Where the error stopped, if it did not reach the top. */
  handler: SpanNode | undefined;
}

export function findRootCause(tree: TraceTree): RootCause | null {
  const errored = [...tree.nodes.values()].filter((n) => isError(n.span)).sort(byStart);
  if (errored.length === 0) return null;
  const order = topDown(tree);
  const entries = entrySpans(order);
  const handles = (n: SpanNode) => !isError(n.span) && !isError(entryOf(entries, n).span);
  const originated = origins(order, handles);
  // A finite tree always has one: the lowest errored span on any errored branch has no errored descendant.
  const walks = new Map([...originated].map((o) => [o, walkUp(o, handles)] as const));
  const origin = pickOrigin(walks);
  const { hops, handler } = walks.get(origin)!;
  const { spanId, service, name, statusMessage } = origin.span;
  return {
    spanId,
    service,
    name,
    statusMessage,
    exception: exceptionNear(origin, entryOf(entries, origin)),
    chain: hops.map((h) => hop(h, h === origin)),
    handledBy: handler ? { spanId: handler.span.spanId, service: handler.span.service, name: handler.span.name } : null,
    errors: errored.map((n) => ({
      spanId: n.span.spanId,
      service: n.span.service,
      name: n.span.name,
      originated: originated.has(n),
    })),
    message: message(hops, handler && { handler, entry: entryOf(entries, handler) }),
  };
}

/** Every node, parents before children (iterative: a 10,000-span chain must not overflow the stack). */
function topDown(tree: TraceTree): SpanNode[] {
  const order: SpanNode[] = [];
  const stack = [...tree.roots];
  for (let n = stack.pop(); n; n = stack.pop()) {
    order.push(n);
    stack.push(...n.children);
  }
  return order;
}

/**
 * The entry span of each span: the nearest ancestor-or-self that is SERVER/CONSUMER within its contiguous
 * run of same-service spans, else the top of that run. Its outcome is the outcome of the request.
 */
function entrySpans(order: SpanNode[]): Map<SpanNode, SpanNode> {
  const entries = new Map<SpanNode, SpanNode>();
  for (const n of order) {
    const p = n.parent;
    entries.set(n, isIncoming(n.span) || !p || p.span.service !== n.span.service ? n : entryOf(entries, p));
  }
  return entries;
}

function entryOf(entries: Map<SpanNode, SpanNode>, n: SpanNode): SpanNode {
  return entries.get(n) ?? n;
}

/**
 * Errored spans that no errored descendant explains. An error reaches a span from below unless a span on
 * the way handled it. This includes a failed CLIENT call whose callee sent no spans (the error is first seen
 * there) and one whose callee answered without failing (a 404 is the caller's problem).
 */
function origins(order: SpanNode[], handles: (n: SpanNode) => boolean): Set<SpanNode> {
  const arrives = new Set<SpanNode>();
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    const passes = isError(n.span) || (arrives.has(n) && !handles(n));
    if (passes && n.parent) arrives.add(n.parent);
  }
  return new Set(order.filter((n) => isError(n.span) && !arrives.has(n)).sort(byStart));
}

/**
 * From the origin root-ward: errored spans join the chain, non-failing spans of a failing request are passed
 * through, and the first span that handled the error ends the walk (spans above it did not see the error).
 */
function walkUp(origin: SpanNode, handles: (n: SpanNode) => boolean): Walk {
  const hops = [origin];
  for (let n = origin.parent; n; n = n.parent) {
    if (isError(n.span)) hops.push(n);
    else if (handles(n)) return { hops, handler: n };
  }
  return { hops, handler: undefined };
}

/**
 * Of several origins, the one whose error travelled furthest up (its last errored hop is closest to a root)
 * is what the trace's outcome shows; one that was handled on the way is a side story. Ties: the error that
 * happened first.
 */
function pickOrigin(walks: Map<SpanNode, Walk>): SpanNode {
  const reach = (o: SpanNode) => walks.get(o)!.hops.at(-1)!.depth;
  return [...walks.keys()].sort((a, b) => {
    const d = reach(a) - reach(b);
    if (d !== 0) return d;
    const ea = a.span.endTimeUnixNano;
    const eb = b.span.endTimeUnixNano;
    if (ea !== eb) return ea < eb ? -1 : 1;
    return a.span.spanId < b.span.spanId ? -1 : 1;
  })[0];
}

/**
 * The exception behind the origin: on the origin itself, else on a span of its service under its entry span
 * (Express records it on `request handler - /charge` while the HTTP instrumentation fails the SERVER span).
 * A failed span's exception first (one on a span that did not fail was probably caught), then the latest:
 * the request ended with the exception recorded last. Never from another service: checkout's "payments
 * failed" is a symptom of payments' exception, not its cause.
 */
function exceptionNear(origin: SpanNode, entry: SpanNode): RootCause['exception'] {
  const own = exceptionOf(origin.span);
  if (own) return own;
  let best: { node: SpanNode; at: bigint } | undefined;
  const stack = [entry];
  for (let n = stack.pop(); n; n = stack.pop()) {
    const at = n.span.events.find((e) => e.name === 'exception')?.timeUnixNano;
    if (at !== undefined && (!best || rank(n, at) > rank(best.node, best.at))) best = { node: n, at };
    for (const c of n.children) if (c.span.service === entry.span.service) stack.push(c);
  }
  return best ? exceptionOf(best.node.span) : null;
}

/** Failed spans above the others, then later above earlier. */
function rank(n: SpanNode, at: bigint): bigint {
  return (isError(n.span) ? 1n << 80n : 0n) + at;
}

function hop(node: SpanNode, originated: boolean): ErrorHop {
  const { spanId, service, name } = node.span;
  const label = spanLabel(node);
  const status = httpStatus(node.span);
  return status === undefined ? { spanId, service, name, label, originated } : { spanId, service, name, label, httpStatus: status, originated };
}

interface Step {
  service: string;
  /** The last HTTP status the service's hops had. */
  status?: number;
  /** The last status a SERVER/CONSUMER hop of the service answered with (the origin excluded). */
  answered?: number;
  /** Whether one of its hops is an outgoing call, and the name of its last hop. */
  call: boolean;
  lastName: string;
}

/**
 * "The error started in payments (POST /charge: 500 card declined) and travelled up through checkout (502)
 * to frontend (502)." Hops are folded per service (a service's CLIENT and SERVER spans are one step for a
 * reader), each showing the last HTTP status it had. A handled error says who handled it and that their
 * request did not fail, so the service at the top is never presented as failing.
 */
function message(hops: SpanNode[], handled: { handler: SpanNode; entry: SpanNode } | undefined): string {
  const origin = hops[0];
  const status = httpStatus(origin.span);
  const why = origin.span.statusMessage || exceptionOf(origin.span)?.message;
  const detail = [status, why].filter((x) => x !== undefined && x !== '').join(' ');
  const who = isOutgoing(origin.span) ? `${origin.span.service}'s call to ${targetOf(origin)}` : origin.span.service;
  const [own, ...up] = foldByService(hops);
  // Express fails the handler span and the HTTP instrumentation the SERVER span: say what the service answered.
  const answered = !isOutgoing(origin.span) && own.answered !== undefined && own.answered !== status;
  const atHandler = handled && up.at(-1)?.service === handled.handler.span.service ? up.pop() : undefined;
  const names = up.map((g) => (g.status === undefined ? g.service : `${g.service} (${g.status})`));
  const travelled =
    names.length === 0
      ? ''
      : names.length === 1
        ? ` and travelled up to ${names[0]}`
        : ` and travelled up through ${names.slice(0, -1).join(', ')} to ${names.at(-1)}`;
  const text =
    `The error started in ${who} (${origin.span.name}${detail ? `: ${detail}` : ''})` +
    (answered ? `, which answered ${own.answered}${travelled ? ',' : ''}` : '') +
    travelled;
  if (!handled) return `${text}.`;
  const got = atHandler
    ? `${atHandler.call ? 'its call' : atHandler.lastName} ${atHandler.status !== undefined ? `got ${atHandler.status}` : 'failed'}, but `
    : '';
  return `${text}; ${handled.handler.span.service} handled it: ${got}${handled.entry.span.name} did not fail.`;
}

function foldByService(hops: SpanNode[]): Step[] {
  const steps: Step[] = [];
  for (const [i, h] of hops.entries()) {
    const status = httpStatus(h.span);
    let step = steps.at(-1);
    if (!step || step.service !== h.span.service) {
      step = { service: h.span.service, call: false, lastName: h.span.name };
      steps.push(step);
    }
    if (status !== undefined) step.status = status;
    if (i > 0 && status !== undefined && isIncoming(h.span)) step.answered = status;
    if (isOutgoing(h.span)) step.call = true;
    step.lastName = h.span.name;
  }
  return steps;
}
