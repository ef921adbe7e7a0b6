import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toOtlpProto, toTraceByIdResponse } from '../../format/otlp-proto.js';
import { InvalidInputError, NotFoundError } from '../../model/errors.js';
import { parseTraceId } from '../../model/ids.js';
import { INTRINSICS } from '../../model/traceql.js';
import type { QueryService } from '../../query/index.js';
import { parseTempoSearch, positiveInt, type RawTempoSearch } from '../../query/traceql/index.js';
import { tempoErrors } from './errors.js';
import { tagRef } from './tags.js';
import { resourceSpansJson, searchJson, typedValues } from './views.js';

/**
 * Grafana Tempo's query API on the UI port under /tempo (reference §6): point Grafana's Tempo data source at
 * `http://host:16686/tempo` (streaming off). Each route parses, makes one query call and shapes Tempo's answer.
 */

const str = { type: 'string' } as const;
const idParams = { params: { type: 'object', properties: { traceId: str }, required: ['traceId'] } } as const;
const tagParams = { params: { type: 'object', properties: { tag: str }, required: ['tag'] } } as const;
const TAG_VALUE_LIMIT = 1000;

/**
 * Grafana reads the version to decide which features to use; it turns streamed (gRPC) search on from Tempo 2.2.0.
 * 2.1.0 — the last Tempo without buildinfo, Grafana's own default — keeps search on plain HTTP, which is what
 * tracelite serves, even when the data source's streaming switch was left on.
 */
const TEMPO_COMPATIBLE_VERSION = '2.1.0';

export async function tempoRoutes(app: FastifyInstance, opts: { query: QueryService; version: string }): Promise<void> {
  const { query } = opts;
  tempoErrors(app);

  app.get('/api/echo', { schema: {} }, async (_req, reply) => reply.type('text/plain; charset=utf-8').send('echo'));

  app.get('/api/status/buildinfo', { schema: {} }, async () => ({
    version: TEMPO_COMPATIBLE_VERSION,
    revision: `tracelite-${opts.version}`,
    branch: 'tracelite',
    buildDate: '',
    buildUser: '',
    goVersion: '',
  }));

  app.get<{ Querystring: RawTempoSearch }>(
    '/api/search',
    { schema: { querystring: { type: 'object', properties: { q: str, tags: str, minDuration: str, maxDuration: str, limit: str, start: str, end: str, spss: str } } } },
    async (req) => searchJson(query.spansetSearch(parseTempoSearch(req.query))),
  );

  const traceById = (version: 1 | 2) => async (req: FastifyRequest<{ Params: { traceId: string } }>, reply: FastifyReply) => {
    const id = parseTraceId(req.params.traceId);
    const trace = query.typedTrace(id);
    // Grafana falls back from v2 to v1 on a 404 only, and shows an empty trace as not found.
    if (!trace || trace.spans.length === 0) throw new NotFoundError(`trace ${id} not found`);
    if (wantsProtobuf(req)) {
      const body = version === 2 ? toTraceByIdResponse(trace) : toOtlpProto(trace);
      return reply.type('application/protobuf').send(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
    }
    const resourceSpans = resourceSpansJson(trace);
    return version === 2 ? { trace: { resourceSpans } } : { batches: resourceSpans };
  };
  app.get('/api/traces/:traceId', { schema: idParams }, traceById(1));
  app.get('/api/v2/traces/:traceId', { schema: idParams }, traceById(2));

  const tagsQuery = { querystring: { type: 'object', properties: { scope: str, q: str, start: str, end: str, limit: str } } } as const;
  app.get<{ Querystring: { scope?: string; limit?: string } }>('/api/search/tags', { schema: tagsQuery }, async (req) => {
    // v1 lists attribute names; the intrinsics only when asked for by scope.
    const scopes = tagScopes(query, req.query.scope, positiveInt(req.query.limit, 'limit', TAG_VALUE_LIMIT, TAG_VALUE_LIMIT));
    const names = scopes.filter((s) => s.name !== 'intrinsic' || req.query.scope === 'intrinsic').flatMap((s) => s.tags);
    return { tagNames: [...new Set(names)].sort() };
  });
  app.get<{ Querystring: { scope?: string; limit?: string } }>('/api/v2/search/tags', { schema: tagsQuery }, async (req) => ({
    scopes: tagScopes(query, req.query.scope, positiveInt(req.query.limit, 'limit', TAG_VALUE_LIMIT, TAG_VALUE_LIMIT)),
  }));

  app.get<{ Params: { tag: string }; Querystring: { limit?: string } }>('/api/search/tag/:tag/values', { schema: { ...tagParams, ...tagsQuery } }, async (req) => {
    const tag = tagRef(decodeTwice(req.params.tag), 1);
    return { tagValues: tagValuesOf(query, tag, positiveInt(req.query.limit, 'limit', TAG_VALUE_LIMIT, TAG_VALUE_LIMIT)).values };
  });
  app.get<{ Params: { tag: string }; Querystring: { limit?: string } }>('/api/v2/search/tag/:tag/values', { schema: { ...tagParams, ...tagsQuery } }, async (req) => {
    const tag = tagRef(decodeTwice(req.params.tag), 2);
    const { values, keyword } = tagValuesOf(query, tag, positiveInt(req.query.limit, 'limit', TAG_VALUE_LIMIT, TAG_VALUE_LIMIT));
    return { tagValues: typedValues(values, keyword ? 'keyword' : undefined) };
  });
}

/** Tempo answers protobuf when asked for it (Grafana's backend always asks); JSON otherwise. */
function wantsProtobuf(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '';
  return /\bapplication\/(?:x-)?protobuf\b/i.test(accept);
}

/** Grafana encodes the tag in the path twice (encodeURIComponent of encodeURIComponent); fastify undid one. */
function decodeTwice(tag: string): string {
  try {
    return decodeURIComponent(tag);
  } catch {
    throw new InvalidInputError(`tag ${JSON.stringify(tag)} is not URI-encoded`, 'tag');
  }
}

const SCOPES = ['resource', 'span', 'intrinsic'] as const;

function tagScopes(query: QueryService, scope: string | undefined, limit: number): Array<{ name: string; tags: string[] }> {
  if (scope !== undefined && scope !== '' && scope !== 'all' && !(SCOPES as readonly string[]).includes(scope)) {
    if (['event', 'link', 'instrumentation'].includes(scope)) return [{ name: scope, tags: [] }];
    throw new InvalidInputError('scope must be resource, span, intrinsic, event, link, instrumentation or all', 'scope');
  }
  const tags = query.tags();
  const all = [
    { name: 'resource', tags: tags.resource.slice(0, limit) },
    { name: 'span', tags: tags.span.slice(0, limit) },
    { name: 'intrinsic', tags: [...INTRINSICS] },
  ];
  return scope && scope !== 'all' ? all.filter((s) => s.name === scope) : all;
}

const KEYWORDS: Record<string, string[]> = {
  status: ['error', 'ok', 'unset'],
  kind: ['client', 'consumer', 'internal', 'producer', 'server', 'unspecified'],
};

function tagValuesOf(query: QueryService, tag: ReturnType<typeof tagRef>, limit: number): { values: string[]; keyword: boolean } {
  if (tag.scope === 'intrinsic' && KEYWORDS[tag.key]) return { values: KEYWORDS[tag.key], keyword: true };
  return { values: query.tagValues(tag, limit).values, keyword: false };
}
