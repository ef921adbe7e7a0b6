import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidInputError } from '../../model/errors.js';
import type { QueryService } from '../../query/index.js';
import type { WebDeps } from '../plugin.js';
import { renderPage } from '../render.js';
import { parseSearch, searchHref, searchQuerySchema, type ParsedSearch, type RawSearch } from './form.js';
import { newTracesText, resultsModel, type ResultsModel } from './results.js';
import { formModel } from './view-model.js';

/** At most this many new traces are counted for the announcement ("100+ new traces"). */
const NEW_TRACES_CAP = 100;

const str = { type: 'string' } as const;
const VIEWS = { page: 'pages/search', fragment: 'partials/search-results' };

/** The search page (`/`), and the small fragments its form and poll ask for. */
export async function searchPage(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const { query } = deps;

  app.get<{ Querystring: RawSearch }>('/', { schema: { querystring: searchQuerySchema } }, async (req, reply) => {
    const parsed = parseSearch(req.query, deps.now());
    const results = parsed.query ? search(query, parsed, deps.now()) : undefined;
    const model = {
      ...pageModel(req, deps, parsed),
      results,
    };
    if (parsed.error) reply.code(400);
    return renderPage(req, reply, VIEWS, model);
  });

  app.get<{ Querystring: { service?: string; operation?: string } }>(
    '/search/operations',
    { schema: { querystring: { type: 'object', properties: { service: { type: 'string' }, operation: { type: 'string' } } } } },
    async (req, reply) => {
      const form = formModel(query, { service: req.query.service ?? '', operation: req.query.operation ?? '' });
      const html = await reply.viewAsync('partials/search-operations', { form });
      return reply.type('text/html; charset=utf-8').send(html);
    },
  );

  const newSchema = { ...searchQuerySchema, properties: { ...searchQuerySchema.properties, since: str, reload: str } };
  app.get<{ Querystring: RawSearch & { since?: string; reload?: string } }>(
    '/search/new',
    { schema: { querystring: newSchema } },
    async (req, reply) => {
      const parsed = parseSearch(req.query, deps.now());
      const since = /^\d{1,20}$/.test(req.query.since ?? '') ? BigInt(req.query.since as string) : undefined;
      if (!parsed.query || since === undefined) throw new InvalidInputError('since must be epoch nanoseconds and the filters valid');
      const after = since + 1n;
      const startNs = parsed.query.startNs !== undefined && parsed.query.startNs > after ? parsed.query.startNs : after;
      const found = query.search({ ...parsed.query, startNs, after: undefined, limit: NEW_TRACES_CAP });
      const html = await reply.viewAsync('partials/search-new', {
        text: newTracesText(found.traces.length, found.next !== undefined),
        showHref: searchHref(parsed.form, { cursor: '' }),
        wholePage: req.query.reload === 'page',
      });
      return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
    },
  );

  // Checkboxes share one name, so the search results' compare form lands here to become /compare?a=&b=.
  app.get<{ Querystring: { trace?: string[] } }>(
    '/search/compare',
    { schema: { querystring: { type: 'object', properties: { trace: { type: 'array', items: { type: 'string' } } } } } },
    async (req, reply) => {
      const ids = (req.query.trace ?? []).filter((t) => /^[0-9a-f]{32}$/.test(t));
      if (ids.length !== 2) throw new InvalidInputError(`Select exactly two traces to compare (got ${ids.length}).`, 'trace');
      return reply.redirect(`/compare?a=${ids[0]}&b=${ids[1]}`, 303);
    },
  );
}

function search(query: QueryService, parsed: ParsedSearch, nowMs: number): ResultsModel {
  const page = query.search(parsed.query!);
  // Telling "nothing stored yet" from "nothing matched" costs a query only when the page is empty.
  const storeIsEmpty = page.traces.length === 0 && query.services().length === 0;
  return resultsModel(parsed.form, page, { nowMs, storeIsEmpty });
}

function pageModel(req: FastifyRequest, deps: WebDeps, parsed: ParsedSearch) {
  const api = parsed.api.toString();
  return {
    title: parsed.form.service ? `Search: ${parsed.form.service}` : 'Search',
    nav: 'search',
    styles: ['/static/search.css'],
    scripts: ['/static/search.js'],
    form: formModel(deps.query, parsed.form),
    error: parsed.error,
    apiPath: `/api/traces${api ? `?${api}` : ''}`,
    origin: `${req.protocol}://${req.headers.host}`,
    otlpEndpoint: deps.otlpEndpoint(),
  };
}
