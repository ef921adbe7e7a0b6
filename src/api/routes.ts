import type { FastifyInstance } from 'fastify';
import { toOtlpJson } from '../format/otlp-json.js';
import { NotFoundError } from '../model/errors.js';
import { parseTraceId } from '../model/ids.js';
import type { QueryService } from '../query/index.js';
import { encodeCursor } from '../query/params.js';
import { parseTraceQuery, type RawTraceQuery } from '../query/search.js';
import { jsonErrors } from './errors.js';
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

/** The native JSON API on the UI port, registered under the /api prefix. */
export async function apiRoutes(app: FastifyInstance, opts: { query: QueryService }): Promise<void> {
  const { query } = opts;
  jsonErrors(app);

  app.get('/services', { schema: {} }, async () => ({ services: query.services() }));

  app.get<{ Params: { service: string } }>(
    '/services/:service/operations',
    { schema: { params: { type: 'object', properties: { service: str }, required: ['service'] } } },
    async (req) => ({ operations: query.operations(req.params.service).map(operationJson) }),
  );

  app.get<{ Querystring: RawTraceQuery }>('/traces', { schema: searchSchema }, async (req) => {
    const page = query.search(parseTraceQuery(req.query));
    return {
      traces: page.traces.map(traceSummaryJson),
      nextCursor: page.next ? encodeCursor(page.next.startNs, page.next.traceId) : null,
      ...(page.incomplete ? { incomplete: page.incomplete } : {}),
    };
  });

  app.get<{ Params: { traceId: string } }>(
    '/traces/:traceId',
    { schema: { params: { type: 'object', properties: { traceId: str }, required: ['traceId'] } } },
    async (req) => {
      const id = parseTraceId(req.params.traceId);
      const spans = query.trace(id);
      if (!spans) throw new NotFoundError(`trace ${id} not found`);
      return { traceId: id, spans: spans.map(spanJson) };
    },
  );

  // The trace as OTLP/JSON TracesData, every value's type kept: POST it to any OTLP receiver to load it again.
  app.get<{ Params: { traceId: string } }>(
    '/traces/:traceId/otlp',
    { schema: { params: { type: 'object', properties: { traceId: str }, required: ['traceId'] } } },
    async (req, reply) => {
      const id = parseTraceId(req.params.traceId);
      const trace = query.typedTrace(id);
      if (!trace) throw new NotFoundError(`trace ${id} not found`);
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(toOtlpJson(trace)));
    },
  );
}
