import { callLabel, str } from '../model/semconv.js';
import type { Span } from '../model/span.js';
import { callTarget, isIncoming, isOutgoing } from './semconv.js';
import type { SpanNode } from './types.js';

/**
 * What a span is called on every page: by what it does. A CLIENT/PRODUCER span is named by its operation and
 * whom it called — "GET → pricing-api" — because HTTP client instrumentation names every call just "GET" and
 * five identical "GET" rows say nothing. Every other span keeps its own name (a SERVER span already says what
 * it served: "GET /checkout"). The waterfall, the analysis panel, compare and the fan-out findings call this;
 * the stats (services page) join their stored operation and callee with the same `callLabel`.
 */
export function spanLabel(node: SpanNode, matched?: string): string {
  const callee = calleeOf(node, matched);
  if (callee === '' || mentions(node.span.name, callee)) return node.span.name;
  return callLabel(node.span.name, callee);
}

/**
 * Whom an outgoing call went to, '' for any other span. In order: the peer service the caller named
 * (`service.peer.name`, `peer.service`), the service that answered (its SERVER/CONSUMER child in another
 * service), the service of any child in another service, the service `matched` names (the callee the
 * propagation check found in another trace: a call whose context was lost still says whom it reached), the
 * address or messaging destination (`host:port`, the URL's host, the queue), and for a database call without
 * an address the database system ("postgresql").
 */
export function calleeOf(node: SpanNode, matched?: string): string {
  const { span } = node;
  if (!isOutgoing(span)) return '';
  const target = callTarget(span);
  if (target?.service) return target.service;
  const other = node.children.filter((c) => c.span.service !== span.service && c.span.service !== '');
  const answered = other.find((c) => isIncoming(c.span)) ?? other[0];
  if (answered) return answered.span.service;
  if (matched) return matched;
  return target?.label ?? databaseOf(span) ?? '';
}

function databaseOf(span: Span): string | undefined {
  return str(span.attributes['db.system.name']) ?? str(span.attributes['db.system']);
}

/** The name already says whom it called ("publish orders" to the queue `orders`): adding "→ orders" repeats it. */
function mentions(name: string, callee: string): boolean {
  const at = name.indexOf(callee);
  if (at < 0) return false;
  const before = at === 0 ? ' ' : name[at - 1];
  const after = at + callee.length >= name.length ? ' ' : name[at + callee.length];
  return /[\s/]/.test(before) && /[\s/?]/.test(after);
}
