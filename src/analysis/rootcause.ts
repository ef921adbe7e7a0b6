import { targetOf } from './fanout.js';
import { exceptionOf, httpStatus, isError, isOutgoing } from './semconv.js';
import type { ErrorHop, RootCause, SpanNode, TraceTree } from './types.js';
import { byStart } from './tree.js';

/**
 * Where a trace's error started. Errors travel upwards: payments answers 500, checkout's CLIENT span to it
 * fails, so checkout's SERVER span answers 502, and so on to the root. A span whose error no errored child
 * explains originated it; the others passed it on.
 */

export function findRootCause(tree: TraceTree): RootCause | null {
  const errored = [...tree.nodes.values()].filter((n) => isError(n.span)).sort(byStart);
  if (errored.length === 0) return null;
  const originated = new Set(errored.filter(originates));
  // A finite tree always has one: the lowest errored span on any errored branch has no errored child.
  const origin = pickOrigin([...originated]);
  const hops = chainFrom(origin);
  const top = hops[hops.length - 1];
  const exception = hops.map((h) => exceptionOf(h.span)).find((e) => e !== null) ?? null;
  const { spanId, service, name, statusMessage } = origin.span;
  return {
    spanId,
    service,
    name,
    statusMessage,
    exception,
    chain: hops.map((h) => hop(h, h === origin)),
    errors: errored.map((n) => ({
      spanId: n.span.spanId,
      service: n.span.service,
      name: n.span.name,
      originated: originated.has(n),
    })),
    message: message(hops, top.parent),
  };
}

/**
 * No errored child explains it. This includes a failed CLIENT call whose callee sent no spans (the error
 * is first seen there) and one whose callee answered without failing (a 404 is the caller's problem).
 */
function originates(node: SpanNode): boolean {
  return !node.children.some((c) => isError(c.span));
}

/**
 * Of several origins, the one whose error travelled furthest up (its errored ancestors reach closest to a
 * root) is what the trace's outcome shows; one that was handled on the way is a side story. Ties: the error
 * that happened first.
 */
function pickOrigin(origins: SpanNode[]): SpanNode {
  const reach = new Map(origins.map((o) => [o, topOf(o).depth]));
  return [...origins].sort((a, b) => {
    const d = (reach.get(a) ?? 0) - (reach.get(b) ?? 0);
    if (d !== 0) return d;
    const ea = a.span.endTimeUnixNano;
    const eb = b.span.endTimeUnixNano;
    if (ea !== eb) return ea < eb ? -1 : 1;
    return a.span.spanId < b.span.spanId ? -1 : 1;
  })[0];
}

function topOf(node: SpanNode): SpanNode {
  let n = node;
  while (n.parent && isError(n.parent.span)) n = n.parent;
  return n;
}

/**
 * From the origin up through errored ancestors only. The first ancestor that did not fail caught the error
 * (a retry, a fallback, a handled exception), so the chain stops below it: spans above did not see it.
 */
function chainFrom(origin: SpanNode): SpanNode[] {
  const hops = [origin];
  for (let n = origin.parent; n && isError(n.span); n = n.parent) hops.push(n);
  return hops;
}

function hop(node: SpanNode, originated: boolean): ErrorHop {
  const { spanId, service, name } = node.span;
  const status = httpStatus(node.span);
  return status === undefined ? { spanId, service, name, originated } : { spanId, service, name, httpStatus: status, originated };
}

/**
 * "The error started in payments (POST /charge: 500 card declined) and travelled up through checkout (502)
 * to frontend (502)." Hops are folded per service (a service's CLIENT and SERVER spans are one step for a
 * reader), each showing the last HTTP status it had.
 */
function message(hops: SpanNode[], handler: SpanNode | undefined): string {
  const origin = hops[0].span;
  const status = httpStatus(origin);
  const why = origin.statusMessage || exceptionOf(origin)?.message;
  const detail = [status, why].filter((x) => x !== undefined && x !== '').join(' ');
  const who = isOutgoing(origin) ? `${origin.service}'s call to ${targetOf(hops[0])}` : origin.service;
  let text = `The error started in ${who} (${origin.name}${detail ? `: ${detail}` : ''})`;
  const steps = foldByService(hops.slice(1), origin.service);
  if (steps.length === 1) text += ` and travelled up to ${steps[0]}`;
  if (steps.length > 1) text += ` and travelled up through ${steps.slice(0, -1).join(', ')} to ${steps[steps.length - 1]}`;
  if (handler) text += `; ${handler.span.service} handled it (${handler.span.name} did not fail)`;
  return `${text}.`;
}

function foldByService(hops: SpanNode[], originService: string): string[] {
  const groups: Array<{ service: string; status?: number }> = [];
  let current = originService;
  for (const h of hops) {
    const status = httpStatus(h.span);
    const last = groups[groups.length - 1];
    if (h.span.service === current) {
      if (last && status !== undefined) last.status = status;
      continue;
    }
    current = h.span.service;
    groups.push({ service: current, status });
  }
  return groups.map((g) => (g.status === undefined ? g.service : `${g.service} (${g.status})`));
}
