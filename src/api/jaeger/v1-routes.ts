import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { httpStatusOf, InvalidInputError, NotFoundError } from '../../model/errors.js';
import type { OperationSummary } from '../../model/query.js';
import { SpanKind } from '../../model/span.js';
import type { QueryService } from '../../query/index.js';
import { jaegerTraceId, toJaegerTrace, type JaegerTrace } from './model.js';
import { goBool, one, parseDependencyWindow, parseJaegerTraceId, parseSpanKind, parseV1Search, type RawQuery } from './params.js';

/**
 * Jaeger's internal "v1" JSON API (the one Jaeger UI and Grafana's Jaeger data source call), registered under
 * `/jaeger/api`: so Grafana's data source URL is `http://host:16686/jaeger`. Every answer is Jaeger's envelope
 * `{data, total, limit, offset, errors}`; an error has `data: null`, `errors: [{code, msg}]` and that HTTP status.
 * Each route is one query-layer call and a shape (model.ts), as in jaeger's http_handler.go.
 */

interface JaegerError {
  code?: number;
  msg: string;
  traceID?: string;
}

function envelope(data: unknown, total = 0, errors: JaegerError[] | null = null) {
  return { data, total, limit: 0, offset: 0, errors };
}

/** Jaeger's `prettyPrint` (any value but empty and `false`): four-space indentation. */
function send(req: FastifyRequest, reply: FastifyReply, body: unknown): FastifyReply {
  const pretty = one(req.query as RawQuery, 'prettyPrint');
  const text = pretty !== '' && pretty !== 'false' ? JSON.stringify(body, null, 4) : JSON.stringify(body);
  return reply.type('application/json; charset=utf-8').send(text);
}

/** Kind names of /api/operations: an UNSPECIFIED kind is the empty string, as Jaeger stores it. */
const KIND_NAMES: Record<number, string> = {
  [SpanKind.UNSPECIFIED]: '',
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

/** The query layer's operations (one per name, kind and role) → Jaeger's (one per name and kind), first-seen order. */
export function jaegerOperations(ops: OperationSummary[], kinds: number[] | undefined): Array<{ name: string; kind: number }> {
  const seen = new Set<string>();
  const out: Array<{ name: string; kind: number }> = [];
  for (const o of ops) {
    if (kinds && !kinds.includes(o.kind)) continue;
    const key = `${o.kind}\u0000${o.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ name: o.name, kind: o.kind });
  }
  return out;
}

export function v1KindName(kind: number): string {
  return KIND_NAMES[kind] ?? '';
}

const str = { type: 'string' } as const;
const strs = { type: 'array', items: str } as const;
const traceIdParams = { type: 'object', properties: { traceID: str }, required: ['traceID'] } as const;

export async function jaegerV1Routes(app: FastifyInstance, opts: { query: QueryService; now: () => number }): Promise<void> {
  const { query, now } = opts;

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = httpStatusOf(err);
    if (status >= 500) req.log.error(err);
    const msg = status >= 500 ? 'internal error' : err.validation ? validationMessage(err) : err.message;
    reply.code(status).send(envelope(null, 0, [{ code: status, msg }]));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(envelope(null, 0, [{ code: 404, msg: `no route for ${req.method} ${req.url.split('?')[0]}` }]));
  });

  // Grafana's health check, and the service list of the search form.
  app.get('/api/services', { schema: {} }, async (req, reply) => {
    const names = query.services().map((s) => s.name);
    return send(req, reply, envelope(names, names.length));
  });

  // Unique operation names of a service, all kinds (the path value arrives URL-decoded).
  app.get<{ Params: { service: string } }>(
    '/api/services/:service/operations',
    { schema: { params: { type: 'object', properties: { service: str }, required: ['service'] } } },
    async (req, reply) => {
      const names = [...new Set(query.operations(req.params.service).map((o) => o.name))];
      return send(req, reply, envelope(names, names.length));
    },
  );

  app.get<{ Querystring: { service?: string; spanKind?: string } }>(
    '/api/operations',
    { schema: { querystring: { type: 'object', properties: { service: str, spanKind: str } } } },
    async (req, reply) => {
      const service = req.query.service ?? '';
      if (service === '') throw new InvalidInputError("parameter 'service' is required", 'service');
      const ops = jaegerOperations(query.operations(service), parseSpanKind(req.query.spanKind ?? '', 'spanKind'));
      const data = ops.map((o) => ({ name: o.name, spanKind: v1KindName(o.kind) }));
      return send(req, reply, envelope(data, data.length));
    },
  );

  const searchSchema = {
    querystring: {
      type: 'object',
      properties: {
        service: str,
        operation: str,
        tags: strs,
        tag: strs,
        start: str,
        end: str,
        lookback: str,
        minDuration: str,
        maxDuration: str,
        limit: str,
        traceID: strs,
        raw: str,
        prettyPrint: str,
      },
    },
  } as const;

  // The search, or with traceID=… a multi-get whose unknown IDs are listed in `errors` (Jaeger: 200 all the same).
  app.get('/api/traces', { schema: searchSchema }, async (req, reply) => {
    const parsed = parseV1Search(req.query as RawQuery, now());
    if ('traceIds' in parsed) {
      const data: JaegerTrace[] = [];
      const errors: JaegerError[] = [];
      for (const id of parsed.traceIds) {
        const t = query.typedTrace(id);
        if (t) data.push(toJaegerTrace(t));
        else errors.push({ msg: 'trace not found', traceID: jaegerTraceId(id) });
      }
      return send(req, reply, envelope(data, 0, errors.length > 0 ? errors : null));
    }
    const page = query.search(parsed.query);
    const data: JaegerTrace[] = [];
    for (const s of page.traces) {
      const t = query.typedTrace(s.traceId);
      if (t) data.push(toJaegerTrace(t));
    }
    return send(req, reply, envelope(data));
  });

  // `start`/`end` (µs) are storage hints in Jaeger; tracelite finds a trace by ID alone, so they are only checked.
  // (Grafana, with "trace ID time params" on, sends milliseconds there.)
  app.get<{ Params: { traceID: string } }>(
    '/api/traces/:traceID',
    { schema: { params: traceIdParams, querystring: { type: 'object', properties: { start: str, end: str, raw: str, prettyPrint: str } } } },
    async (req, reply) => {
      const q = req.query as RawQuery;
      for (const p of ['start', 'end']) {
        const v = one(q, p);
        if (v !== '' && !/^\d{1,19}$/.test(v)) throw new InvalidInputError(`${p} must be an integer of epoch microseconds, got "${v}"`, p);
      }
      goBool(one(q, 'raw'), 'raw');
      const id = parseJaegerTraceId(req.params.traceID, 'traceID');
      const t = query.typedTrace(id);
      if (!t) throw new NotFoundError('trace not found');
      return send(req, reply, envelope([toJaegerTrace(t)]));
    },
  );

  // The service graph of [endTs − lookback, endTs] (ms), one entry per parent → child; `service` keeps its edges.
  app.get(
    '/api/dependencies',
    { schema: { querystring: { type: 'object', properties: { endTs: str, lookback: str, service: str, prettyPrint: str } } } },
    async (req, reply) => {
      const q = req.query as RawQuery;
      const graph = query.dependencies(parseDependencyWindow(q, now()));
      const service = one(q, 'service');
      const counts = new Map<string, { parent: string; child: string; callCount: number }>();
      for (const e of graph.edges) {
        if (service !== '' && e.parent !== service && e.child !== service) continue;
        const key = `${e.parent}\u0000${e.child}`;
        const link = counts.get(key) ?? { parent: e.parent, child: e.child, callCount: 0 };
        link.callCount += e.callCount;
        counts.set(key, link);
      }
      return send(req, reply, envelope([...counts.values()]));
    },
  );
}

/** fastify's schema failures, named by parameter ("querystring/limit must be string" → "limit must be string"). */
export function validationMessage(err: FastifyError): string {
  const v = err.validation?.[0];
  if (!v) return err.message;
  const name = v.instancePath.replace(/^\//, '') || (v.params as { missingProperty?: string }).missingProperty || '';
  return `${name || err.validationContext || 'request'} ${v.message ?? 'is invalid'}`.trim();
}
