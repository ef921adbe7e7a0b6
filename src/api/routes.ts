import type { FastifyInstance } from 'fastify';
import { InvalidInputError, NotFoundError } from '../model/errors.js';
import { parseTraceId } from '../model/ids.js';
import type { TraceReader } from '../model/ports.js';
import type { TraceQuery } from '../model/query.js';
import { jsonErrors } from './errors.js';
import {
  decodeCursor,
  encodeCursor,
  parseAttr,
  parseBool,
  parseDuration,
  parseLimit,
  parseTime,
} from './params.js';
import { operationJson, spanJson, traceSummaryJson } from './views.js';

const str = { type: 'string' } as const;

const searchSchema = {
  querystring: {
    type: 'object',
    properties: {
      service: str,
      operation: str,
      minDuration: str,
      maxDuration: str,
      start: str,
      end: str,
      error: str,
      attr: { type: 'array', items: str },
      alsoService: { type: 'array', items: str },
      limit: str,
      cursor: str,
    },
  },
} as const;

type SearchParams = {
  [K in keyof (typeof searchSchema)['querystring']['properties']]?: K extends 'attr' | 'alsoService' ? string[] : string;
};

/** The native JSON API on the UI port, registered under the /api prefix. */
export async function apiRoutes(app: FastifyInstance, opts: { reader: TraceReader }): Promise<void> {
  const { reader } = opts;
  jsonErrors(app);

  app.get('/services', { schema: {} }, async () => ({ services: reader.services() }));

  app.get<{ Params: { service: string } }>(
    '/services/:service/operations',
    { schema: { params: { type: 'object', properties: { service: str }, required: ['service'] } } },
    async (req) => ({ operations: reader.operations(req.params.service).map(operationJson) }),
  );

  app.get<{ Querystring: SearchParams }>('/traces', { schema: searchSchema }, async (req) => {
    const q = toTraceQuery(req.query);
    const rows = reader.findTraces({ ...q, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      traces: page.map(traceSummaryJson),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last.startTimeUnixNano, last.traceId) : null,
    };
  });

  app.get<{ Params: { traceId: string } }>(
    '/traces/:traceId',
    { schema: { params: { type: 'object', properties: { traceId: str }, required: ['traceId'] } } },
    async (req) => {
      const id = parseTraceId(req.params.traceId);
      const spans = reader.getTrace(id);
      if (spans.length === 0) throw new NotFoundError(`trace ${id} not found`);
      return { traceId: id, spans: spans.map(spanJson) };
    },
  );
}

export function toTraceQuery(p: SearchParams): TraceQuery {
  const q: TraceQuery = {
    errorOnly: parseBool(p.error, 'error'),
    attrs: (p.attr ?? []).map((a) => parseAttr(a, 'attr')),
    limit: parseLimit(p.limit, 'limit', 20, 1000),
  };
  if (p.service) q.service = p.service;
  if (p.operation) q.operation = p.operation;
  const also = (p.alsoService ?? []).filter((s) => s !== '');
  if (also.length > 0) q.alsoServices = also;
  if (p.minDuration !== undefined) q.minDurationNs = parseDuration(p.minDuration, 'minDuration');
  if (p.maxDuration !== undefined) q.maxDurationNs = parseDuration(p.maxDuration, 'maxDuration');
  if (p.start !== undefined) q.startNs = parseTime(p.start, 'start');
  if (p.end !== undefined) q.endNs = parseTime(p.end, 'end');
  if (p.cursor !== undefined) q.after = decodeCursor(p.cursor, 'cursor');
  if (q.minDurationNs !== undefined && q.maxDurationNs !== undefined && q.maxDurationNs < q.minDurationNs) {
    throw new InvalidInputError('maxDuration must not be less than minDuration', 'maxDuration');
  }
  if (q.startNs !== undefined && q.endNs !== undefined && q.endNs < q.startNs) {
    throw new InvalidInputError('end must not be before start', 'end');
  }
  return q;
}
