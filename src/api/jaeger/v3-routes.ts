import type { FastifyError, FastifyInstance } from 'fastify';
import { toOtlpJson, type OtlpTracesData } from '../../format/otlp-json.js';
import { httpStatusOf, InvalidInputError, NotFoundError } from '../../model/errors.js';
import type { TraceSummary } from '../../model/query.js';
import type { TypedTrace } from '../../model/typed.js';
import type { QueryService } from '../../query/index.js';
import { either, goBool, one, parseJaegerTraceId, parseSpanKind, parseV3Search, rfc3339, type RawQuery } from './params.js';
import { jaegerOperations, validationMessage } from './v1-routes.js';

/**
 * Jaeger v2's `/api/v3` (the HTTP gateway of api_v3.QueryService, jaeger's apiv3/http_gateway.go), registered at
 * `/api/v3` and `/jaeger/api/v3`. Traces are OTLP/JSON (`toOtlpJson`: hex IDs, enums as integers, 64-bit integers
 * as strings) in `{"result": TracesData}`, every trace of a search merged into one TracesData; errors are
 * `{"error": {"httpCode", "message"}}` with that status, and a search or lookup that finds nothing is a 404
 * ("No traces found"), as in Jaeger.
 */

const NO_TRACES = 'No traces found';
const KIND_NAMES = ['internal', 'internal', 'server', 'client', 'producer', 'consumer'];

function merged(traces: TypedTrace[]): { result: OtlpTracesData } {
  if (traces.length === 0) throw new NotFoundError(NO_TRACES);
  return { result: { resourceSpans: traces.flatMap((t) => toOtlpJson(t).resourceSpans) } };
}

/** A trace summary as api_v3 TraceSummary in proto3 JSON (int64 nanoseconds as strings), counted from its spans. */
function summaryJson(s: TraceSummary, t: TypedTrace) {
  const services = new Map<string, { name: string; spanCount: number; errorSpanCount: number }>();
  let minStart = s.startTimeUnixNano;
  let maxEnd = s.startTimeUnixNano + s.durationNs;
  let errors = 0;
  for (const span of t.spans) {
    const name = serviceOf(t, span.resource);
    const entry = services.get(name) ?? { name, spanCount: 0, errorSpanCount: 0 };
    entry.spanCount++;
    if (span.error) {
      entry.errorSpanCount++;
      errors++;
    }
    services.set(name, entry);
    if (span.startTimeUnixNano < minStart) minStart = span.startTimeUnixNano;
    if (span.endTimeUnixNano > maxEnd) maxEnd = span.endTimeUnixNano;
  }
  return {
    traceId: s.traceId,
    rootServiceName: s.rootService,
    rootOperationName: s.rootName,
    minStartTimeUnixNano: String(minStart),
    maxEndTimeUnixNano: String(maxEnd),
    spanCount: t.spans.length,
    errorSpanCount: errors,
    services: [...services.values()],
  };
}

function serviceOf(t: TypedTrace, resource: string): string {
  const v = t.resources.get(resource)?.attributes.find((kv) => kv.key === 'service.name')?.value;
  return v && 'stringValue' in v ? v.stringValue : 'unknown_service';
}

const str = { type: 'string' } as const;

export async function jaegerV3Routes(app: FastifyInstance, opts: { query: QueryService }): Promise<void> {
  const { query } = opts;

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = httpStatusOf(err);
    if (status >= 500) req.log.error(err);
    const message = status >= 500 ? 'internal error' : err.validation ? validationMessage(err) : err.message;
    reply.code(status).send({ error: { httpCode: status, message } });
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: { httpCode: 404, message: `no route for ${req.method} ${req.url.split('?')[0]}` } });
  });

  app.get('/services', { schema: {} }, async () => ({ services: query.services().map((s) => s.name) }));

  // One per name and kind; an UNSPECIFIED kind is reported as internal, as Jaeger does.
  app.get('/operations', { schema: { querystring: { type: 'object', properties: { service: str, spanKind: str, span_kind: str } } } }, async (req) => {
    const q = req.query as RawQuery;
    const service = one(q, 'service');
    if (service === '') throw new InvalidInputError('service is required', 'service');
    const kind = either(q, 'spanKind', 'span_kind');
    const ops = jaegerOperations(query.operations(service), parseSpanKind(kind.value, kind.param));
    return { operations: ops.map((o) => ({ name: o.name, spanKind: KIND_NAMES[o.kind] ?? 'internal' })) };
  });

  // startTime/endTime (RFC 3339) are storage hints in Jaeger: checked, not needed to find a trace by ID here.
  app.get<{ Params: { traceId: string } }>(
    '/traces/:traceId',
    { schema: { params: { type: 'object', properties: { traceId: str }, required: ['traceId'] } } },
    async (req) => {
      const q = req.query as RawQuery;
      const id = parseJaegerTraceId(req.params.traceId, 'trace_id');
      for (const [canonical, alias] of [['startTime', 'start_time'], ['endTime', 'end_time']] as const) {
        const t = either(q, canonical, alias);
        if (t.value !== '') rfc3339(t.value, t.param);
      }
      const raw = either(q, 'rawTraces', 'raw_traces');
      goBool(raw.value, raw.param);
      const t = query.typedTrace(id);
      return merged(t ? [t] : []);
    },
  );

  app.get('/traces', { schema: {} }, async (req) => {
    const page = query.search(parseV3Search(req.query as RawQuery));
    return merged(page.traces.map((s) => query.typedTrace(s.traceId)).filter((t): t is TypedTrace => t !== undefined));
  });

  app.get('/trace-summaries', { schema: {} }, async (req) => {
    const page = query.search(parseV3Search(req.query as RawQuery));
    const summaries = [];
    for (const s of page.traces) {
      const t = query.typedTrace(s.traceId);
      if (t) summaries.push(summaryJson(s, t));
    }
    return { summaries };
  });
}
