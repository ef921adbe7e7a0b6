import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TraceTree } from '../../analysis/types.js';
import type { SpanId } from '../../model/span.js';
import type { WebDeps } from '../plugin.js';
import { hueStyle, plural } from '../format.js';
import { renderPage } from '../render.js';
import { valueText } from './find.js';
import { loadAnalysed, tabHeader, TRACE_VIEW_STYLES, waterfallSpanHref, type TabHeader } from './tabs.js';

/**
 * /trace/{id}/links: the trace's OTLP span links (a batch consumer linking the producers' traces, a retry linking
 * the first attempt…), listed per span, each a jump to the linked span in its own trace. Links pointing the other
 * way (other traces linking to this one) are not listed: the store does not index links, and finding them would
 * mean reading every stored trace; the page says so.
 */

export interface LinkView {
  traceId: string;
  spanId: SpanId;
  href: string;
  /** The link points into this same trace. */
  sameTrace: boolean;
  attributes: Array<{ key: string; value: string }>;
  traceState: string;
}

export interface LinkingSpanView {
  spanId: SpanId;
  service: string;
  hue: string;
  name: string;
  href: string;
  links: LinkView[];
  dropped: number;
}

export interface LinksPageModel {
  title: string;
  nav: undefined;
  styles: string[];
  scripts: string[];
  header: TabHeader;
  spans: LinkingSpanView[];
  summary: string;
  linkedTraces: number;
  apiPaths: string[];
  origin: string;
}

export function linksPageModel(tree: TraceTree, origin: string): LinksPageModel {
  const header = tabHeader(tree, 'links');
  const id = header.traceId;
  const spans: LinkingSpanView[] = [];
  const traces = new Set<string>();
  let count = 0;
  // Tree order (roots, then depth-first by start) so the list reads like the waterfall.
  const stack = [...tree.roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
    const s = node.span;
    if (s.links.length === 0 && s.droppedLinksCount === 0) continue;
    spans.push({
      spanId: s.spanId,
      service: s.service,
      hue: hueStyle(s.service),
      name: s.name,
      href: waterfallSpanHref(id, s.spanId),
      links: s.links.map((l) => {
        if (l.traceId !== id) traces.add(l.traceId);
        return {
          traceId: l.traceId,
          spanId: l.spanId,
          href: waterfallSpanHref(l.traceId, l.spanId),
          sameTrace: l.traceId === id,
          attributes: Object.keys(l.attributes).sort().map((key) => ({ key, value: valueText(l.attributes[key]) })),
          traceState: l.traceState,
        };
      }),
      dropped: s.droppedLinksCount,
    });
    count += s.links.length;
  }
  return {
    title: `Links · ${header.rootService} ${header.rootName}`.trim(),
    nav: undefined,
    styles: TRACE_VIEW_STYLES,
    scripts: [],
    header,
    spans,
    summary:
      count === 0
        ? 'No span of this trace links to another span.'
        : `${plural(spans.length, 'span')} of this trace ${spans.length === 1 ? 'links' : 'link'} to ${plural(count, 'span')} in ${plural(traces.size, 'other trace')}${spans.some((s) => s.links.some((l) => l.sameTrace)) ? ' and in this one' : ''}.`,
    linkedTraces: traces.size,
    apiPaths: [`/api/traces/${id}`],
    origin,
  };
}

const params = { type: 'object', properties: { traceId: { type: 'string' } }, required: ['traceId'] } as const;
type Req = FastifyRequest<{ Params: { traceId: string } }>;

export async function traceLinksView(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.get('/trace/:traceId/links', { schema: { params } }, async (req: Req, reply) => {
    const { tree } = loadAnalysed(deps.query, req.params.traceId);
    return renderPage(req, reply, { page: 'pages/trace-links' }, linksPageModel(tree, `${req.protocol}://${req.headers.host}`));
  });
}
