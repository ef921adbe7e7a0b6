import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidInputError } from '../../model/errors.js';
import { isAllZeroHex } from '../../model/ids.js';
import type { TraceId } from '../../model/span.js';

/**
 * The top bar's "open a trace" box (views/layout.eta): a GET form to /open?id=, so it works without JavaScript.
 * It takes what people paste: a trace ID in any case, 32 hex digits or 16 (left-padded with zeros as Jaeger does,
 * for 64-bit IDs from Zipkin and old Jaeger clients), a W3C `traceparent` header value, or a trace page's URL.
 * Anything else is a 400 page saying what would work.
 */

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const TRACE_URL = /\/trace\/([0-9a-f]{1,32})(?:[/?#]|$)/;
const HEX = /^(?:0x)?([0-9a-f]{1,32})$/;

export const OPEN_HINT =
  'Paste a trace ID (32 or 16 hex digits, any case) or a traceparent header such as 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.';

/** The trace ID in `text`, 32 lowercase hex digits; throws InvalidInputError with a sentence a newcomer can act on. */
export function parseOpenId(text: string): TraceId {
  const t = text.trim().replace(/^traceparent\s*:\s*/i, '').toLowerCase();
  if (t === '') throw new InvalidInputError(`Nothing to open. ${OPEN_HINT}`, 'id');
  const id = TRACEPARENT.exec(t)?.[2] ?? TRACE_URL.exec(t)?.[1] ?? HEX.exec(t)?.[1];
  if (id === undefined) {
    const shown = t.length > 80 ? `${t.slice(0, 80)}…` : t;
    throw new InvalidInputError(`“${shown}” is not a trace ID. ${OPEN_HINT}`, 'id');
  }
  if (isAllZeroHex(id)) throw new InvalidInputError(`A trace ID of all zeros is invalid (W3C Trace Context). ${OPEN_HINT}`, 'id');
  return id.padStart(32, '0');
}

type Req = FastifyRequest<{ Querystring: { id?: string } }>;

export async function openTraceRoute(app: FastifyInstance): Promise<void> {
  app.get('/open', { schema: { querystring: { type: 'object', properties: { id: { type: 'string', maxLength: 2048 } } } } }, async (req: Req, reply) => {
    const id = parseOpenId(req.query.id ?? '');
    return reply.redirect(`/trace/${id}`, 303);
  });
}
