import type { FastifyInstance, FastifyRequest } from 'fastify';
import { compareTraces, summariseTrace } from '../../analysis/compare.js';
import { buildTree } from '../../analysis/tree.js';
import { NotFoundError } from '../../model/errors.js';
import { parseTraceId } from '../../model/ids.js';
import type { Span, TraceId } from '../../model/span.js';
import type { QueryService } from '../../query/index.js';
import type { WebDeps } from '../plugin.js';
import { renderPage } from '../render.js';
import { recentView, resultView, sideHeader, type RecentView } from './view.js';

/** How many traces the picker offers as quick choices. */
const QUICK_CHOICES = 12;

const querySchema = {
  type: 'object',
  properties: { a: { type: 'string', maxLength: 64 }, b: { type: 'string', maxLength: 64 } },
} as const;

interface CompareQuery {
  a?: string;
  b?: string;
}

/** /compare?a=&b=: two traces aligned by service/operation path; with fewer than two IDs, a picker. */
export async function comparePage(app: FastifyInstance, deps: WebDeps): Promise<void> {
  const views = { page: 'pages/compare', fragment: 'partials/compare-body' };

  app.get<{ Querystring: CompareQuery }>('/compare', { schema: { querystring: querySchema } }, async (req, reply) => {
    const form = { a: (req.query.a ?? '').trim(), b: (req.query.b ?? '').trim() };
    const ids = { a: form.a && parseTraceId(form.a, 'a'), b: form.b && parseTraceId(form.b, 'b') };
    const spansA = ids.a ? loadTrace(deps.query, ids.a, 'A') : undefined;
    const spansB = ids.b ? loadTrace(deps.query, ids.b, 'B') : undefined;
    const base = { nav: 'compare', styles: ['/static/compare.css'], origin: origin(req), form: ids };

    if (spansA && spansB) {
      const result = resultView({ a: ids.a, b: ids.b }, compareTraces(spansA, spansB));
      const title = `Compare ${ids.a.slice(0, 8)} with ${ids.b.slice(0, 8)}`;
      const apiPaths = [`/api/traces/${ids.a}`, `/api/traces/${ids.b}`];
      return renderPage(req, reply, views, { ...base, title, result, apiPaths });
    }

    const chosen = spansA ? { id: ids.a, spans: spansA } : spansB ? { id: ids.b, spans: spansB } : undefined;
    const pick = pickModel(deps, ids, chosen);
    return renderPage(req, reply, views, { ...base, title: 'Compare traces', pick, apiPaths: [pick.apiPath] });
  });
}

function loadTrace(query: QueryService, id: TraceId, side: 'A' | 'B'): Span[] {
  const spans = query.trace(id);
  if (!spans) throw new NotFoundError(`Trace ${id} (side ${side}) is not in this tracelite: it may have expired or never arrived.`);
  return spans;
}

export interface PickModel {
  heading: string;
  hint: string;
  chosen: ReturnType<typeof sideHeader> | undefined;
  recent: RecentView[];
  apiPath: string;
}

/**
 * With one trace chosen, the likeliest partner is another run of the same root operation; otherwise the newest
 * traces. Either list falls back to the newest when it has nothing but the chosen trace.
 */
function pickModel(deps: WebDeps, ids: { a: string; b: string }, chosen: { id: TraceId; spans: Span[] } | undefined): PickModel {
  const base = { errorOnly: false, attrs: [], limit: QUICK_CHOICES };
  const tree = chosen && buildTree(chosen.spans);
  const root = tree?.roots[0]?.span;
  let recent = root ? deps.query.search({ ...base, service: root.service, operation: root.name }).traces : [];
  let apiPath = root
    ? `/api/traces?${new URLSearchParams({ service: root.service, operation: root.name, limit: String(QUICK_CHOICES) })}`
    : '';
  const similar = recent.some((t) => t.traceId !== chosen?.id);
  if (!similar) {
    recent = deps.query.search(base).traces;
    apiPath = `/api/traces?limit=${QUICK_CHOICES}`;
  }
  const now = deps.now();
  const side = chosen && (chosen.id === ids.a ? 'A' : 'B');
  return {
    heading: similar && root ? `Other ${root.service} ${root.name} traces` : 'Recent traces',
    hint: side ? `Pick the trace to set against ${side}.` : 'Pick a trace for side A, then one for side B.',
    chosen: tree && side && sideHeader(side, chosen.id, summariseTrace(tree)),
    recent: recent.map((t) => recentView(t, ids, now)),
    apiPath,
  };
}

function origin(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? 'localhost'}`;
}
