import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toOtlpJson } from '../../format/otlp-json.js';
import { InvalidInputError, NotFoundError } from '../../model/errors.js';
import { parseTraceId } from '../../model/ids.js';
import type { SpanId, TraceId } from '../../model/span.js';
import type { QueryService } from '../../query/index.js';
import type { AnalysedTrace } from '../../query/trace.js';
import type { WebDeps } from '../plugin.js';
import { renderPage, wantsFragment } from '../render.js';
import { spanDetails } from './details.js';
import { tracePageModel } from './page-model.js';
import { childRows, rowContext, spanHref, type WaterfallOptions } from './waterfall.js';
import { traceFlameView } from './flame.js';
import { traceLinksView } from './links.js';
import { openTraceRoute } from './open.js';
import { traceStatsView } from './stats.js';

const VARY = 'HX-Request, HX-Request-Type';

const str = { type: 'string' } as const;
const params = { type: 'object', properties: { traceId: str }, required: ['traceId'] } as const;
const spanParams = { type: 'object', properties: { traceId: str, spanId: str }, required: ['traceId', 'spanId'] } as const;
const query = { type: 'object', properties: { span: str, find: str, focus: str, from: str, to: str, reveal: str, mark: str, first: str, end: str } } as const;

type Query = { span?: string; find?: string; focus?: string; from?: string; to?: string; reveal?: string; mark?: string; first?: string; end?: string };
type Req = FastifyRequest<{ Params: { traceId: string; spanId?: string }; Querystring: Query }>;

/**
 * The trace page. `?span=` selects a span (details open, row scrolled into view), `?find=` highlights matches,
 * `?focus=` shows one subtree (the no-JavaScript way into a subtree rendered collapsed), `?from=&to=` zooms
 * to a window (ms from the axis start), `?reveal=` renders a span not selected (`e` reaching an error not yet
 * loaded), `?mark=a,b` highlights a finding's spans. Fragments: the
 * waterfall (find), one span's details, and a subtree's children; each redirects to its page URL when
 * loaded directly, so every URL htmx pushes is a whole page.
 */
export async function tracePage(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const load = (req: Req) => loadTrace(deps.query, parseTraceId(req.params.traceId));

  app.get('/trace/:traceId', { schema: { params, querystring: query } }, async (req: Req, reply) => {
    const { tree, analysis } = load(req);
    const opts = viewOptions(req);
    const model = tracePageModel(tree, analysis, opts, `${req.protocol}://${req.headers.host}`);
    return renderPage(req, reply, { page: 'pages/trace', fragment: 'partials/trace-waterfall' }, model);
  });

  app.get('/trace/:traceId/span/:spanId', { schema: { params: spanParams, querystring: query } }, async (req: Req, reply) => {
    const { id, spanId, focus } = ids(req);
    if (!wantsFragment(req)) return redirect(reply, spanHref({ traceId: id, focus }, spanId));
    const { tree, analysis } = load(req);
    const span = tree.nodes.get(spanId)?.span;
    if (!span) throw new NotFoundError(`Trace ${id} has no span ${spanId}.`);
    const details = spanDetails(tree, analysis, span, (sid) => spanHref({ traceId: id, focus }, sid));
    return renderPage(req, reply, { page: 'partials/trace-details' }, { details, missingSpan: null });
  });

  app.get('/trace/:traceId/subtree/:spanId', { schema: { params: spanParams, querystring: query } }, async (req: Req, reply) => {
    const { id, spanId, focus } = ids(req);
    if (!wantsFragment(req)) return redirect(reply, `/trace/${id}?focus=${spanId}`);
    const { tree, analysis } = load(req);
    const node = tree.nodes.get(spanId);
    if (!node) throw new NotFoundError(`Trace ${id} has no span ${spanId}.`);
    // Children `first` up to `end` (a "N more spans" row); `from`/`to` are the zoom window, as on the page.
    const from = optIndex(req.query.first, 'first') ?? 0;
    const to = optIndex(req.query.end, 'end') ?? node.children.length;
    const { focus: _f, ...zoom } = viewOptions(req);
    const items = childRows(tree, node, from, to, rowContext(tree, analysis, { focus, from: zoom.from, to: zoom.to }));
    return renderPage(req, reply, { page: 'partials/trace-rows' }, { items });
  });

  // The trace's other views (tabs in trace-header.eta) and the top bar's open-by-ID box.
  await traceStatsView(app, deps);
  await traceFlameView(app, deps);
  await traceLinksView(app, deps);
  await openTraceRoute(app);

  app.get('/trace/:traceId/otlp.json', { schema: { params } }, async (req: Req, reply) => {
    const id = parseTraceId(req.params.traceId);
    const trace = deps.query.typedTrace(id);
    if (!trace) throw new NotFoundError(`There is no trace ${id}.`);
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="trace-${id}.otlp.json"`)
      .send(JSON.stringify(toOtlpJson(trace)));
  });
}

/** The trace, its tree and its analysis, exactly as GET /api/traces/{id}/analysis computes them. */
function loadTrace(query: QueryService, id: TraceId): AnalysedTrace {
  const trace = query.analysedTrace(id);
  if (!trace) throw new NotFoundError(`There is no trace ${id}. It may not have arrived yet, or retention removed it.`);
  return trace;
}

function ids(req: Req): { id: TraceId; spanId: SpanId; focus?: SpanId } {
  const id = parseTraceId(req.params.traceId);
  const spanId = optSpanId(req.params.spanId, 'spanId') ?? '';
  return { id, spanId, focus: optSpanId(req.query.focus, 'focus') };
}

function viewOptions(req: Req): WaterfallOptions {
  const q = req.query;
  const mark = (q.mark ?? '')
    .split(',')
    .filter((t) => t !== '')
    .slice(0, 100)
    .map((t) => optSpanId(t, 'mark') as SpanId);
  return {
    selected: optSpanId(q.span, 'span'),
    find: q.find,
    focus: optSpanId(q.focus, 'focus'),
    reveal: optSpanId(q.reveal, 'reveal'),
    mark,
    from: optMs(q.from, 'from'),
    to: optMs(q.to, 'to'),
  };
}

/** A zoom bound: ms from the axis start, a plain non-negative decimal. */
function optMs(text: string | undefined, param: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,12}(\.\d{1,9})?$/.test(text)) throw new InvalidInputError(`${param} must be a number of ms from the trace's start`, param);
  return Number(text);
}

const SPAN_ID = /^[0-9a-fA-F]{16}$/;
function optSpanId(text: string | undefined, param: string): SpanId | undefined {
  if (text === undefined || text === '') return undefined;
  if (!SPAN_ID.test(text)) throw new InvalidInputError(`${param} must be 16 hex digits`, param);
  return text.toLowerCase();
}

function optIndex(text: string | undefined, param: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,7}$/.test(text)) throw new InvalidInputError(`${param} must be a whole number`, param);
  return Number(text);
}

function redirect(reply: FastifyReply, url: string): FastifyReply {
  return reply.header('vary', VARY).redirect(url, 303);
}
