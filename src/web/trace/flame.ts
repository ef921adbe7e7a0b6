import type { FastifyInstance, FastifyRequest } from 'fastify';
import { flameLayout } from '../../analysis/flame.js';
import type { TraceAnalysis, TraceTree } from '../../analysis/types.js';
import { InvalidInputError, NotFoundError } from '../../model/errors.js';
import type { SpanId } from '../../model/span.js';
import type { WebDeps } from '../plugin.js';
import { formatMs, hueStyle, plural } from '../format.js';
import { renderPage } from '../render.js';
import { loadAnalysed, tabHeader, TRACE_VIEW_STYLES, waterfallSpanHref, type TabHeader } from './tabs.js';

/**
 * /trace/{id}/flame: the flame graph (analysis/flame.ts), drawn as HTML boxes the view model positions. Zoom is a
 * link: each box goes to `?focus=<spanId>`, which re-renders that subtree full width, with its ancestors above
 * as a path back. No JavaScript needed.
 */

/** Row height in px; the template's CSS uses the same. */
const ROW_PX = 24;

export interface FlameBoxView {
  spanId: SpanId;
  /** left, width, top and the service hue: numbers only, safe in a style attribute. */
  style: string;
  label: string;
  service: string;
  title: string;
  href: string;
  error: boolean;
  /** Narrow boxes hide their text. */
  narrow: boolean;
  focused: boolean;
}

export interface FlamePageModel {
  title: string;
  nav: undefined;
  styles: string[];
  scripts: string[];
  header: TabHeader;
  boxes: FlameBoxView[];
  heightStyle: string;
  crumbs: Array<{ label: string; href: string }>;
  focus: { label: string; service: string; hue: string; facts: string; waterfallHref: string; error: boolean } | null;
  totalText: string;
  hidden: string | null;
  origin: string;
  apiPaths: string[];
}

export function flamePageModel(trace: { tree: TraceTree; analysis: TraceAnalysis }, focus: SpanId | undefined, origin: string): FlamePageModel {
  const header = tabHeader(trace.tree, 'flame');
  const id = header.traceId;
  const layout = flameLayout(trace.tree, trace.analysis.selfTimeMs, { focus });
  const base = `/trace/${id}/flame`;
  const boxes = layout.boxes.map((b): FlameBoxView => {
    const facts = `self ${formatMs(b.selfMs)} · with descendants ${formatMs(b.totalMs)} · duration ${formatMs(b.durationMs)}${b.error ? ' · failed' : ''}`;
    return {
      spanId: b.spanId,
      style: `left: ${(b.x * 100).toFixed(4)}%; width: ${(b.w * 100).toFixed(4)}%; top: ${b.depth * ROW_PX}px; ${hueStyle(b.service)}`,
      label: b.name,
      service: b.service,
      title: `${b.service} ${b.name}: ${facts}`,
      href: b.spanId === focus ? base : `${base}?focus=${b.spanId}`,
      error: b.error,
      narrow: b.w < 0.03,
      focused: b.spanId === focus,
    };
  });
  const focusBox = focus ? layout.boxes[0] : undefined;
  return {
    title: `Flame graph · ${header.rootService} ${header.rootName}`.trim(),
    nav: undefined,
    styles: TRACE_VIEW_STYLES,
    scripts: [],
    header,
    boxes,
    heightStyle: `height: ${Math.max(1, layout.rows) * ROW_PX}px`,
    crumbs: focus
      ? [{ label: 'Whole trace', href: base }, ...layout.ancestors.map((a) => ({ label: `${a.service} ${a.name}`, href: `${base}?focus=${a.spanId}` }))]
      : [],
    focus: focusBox
      ? {
          label: focusBox.name,
          service: focusBox.service,
          hue: hueStyle(focusBox.service),
          facts: `self ${formatMs(focusBox.selfMs)} · with descendants ${formatMs(focusBox.totalMs)} · duration ${formatMs(focusBox.durationMs)}`,
          waterfallHref: waterfallSpanHref(id, focusBox.spanId),
          error: focusBox.error,
        }
      : null,
    totalText: formatMs(layout.totalMs),
    hidden: layout.hidden > 0 ? `${plural(layout.hidden, 'span')} too narrow to draw here; click a box to zoom into it.` : null,
    origin,
    apiPaths: [`/api/traces/${id}/analysis`],
  };
}

const params = { type: 'object', properties: { traceId: { type: 'string' } }, required: ['traceId'] } as const;
const query = { type: 'object', properties: { focus: { type: 'string' } } } as const;
type Req = FastifyRequest<{ Params: { traceId: string }; Querystring: { focus?: string } }>;

export async function traceFlameView(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.get('/trace/:traceId/flame', { schema: { params, querystring: query } }, async (req: Req, reply) => {
    const trace = loadAnalysed(deps.query, req.params.traceId);
    const focus = req.query.focus ? req.query.focus.toLowerCase() : undefined;
    if (focus !== undefined && !/^[0-9a-f]{16}$/.test(focus)) throw new InvalidInputError('focus must be 16 hex digits', 'focus');
    if (focus && !trace.tree.nodes.has(focus)) throw new NotFoundError(`Trace ${trace.tree.spans[0].traceId} has no span ${focus}.`);
    const model = flamePageModel(trace, focus, `${req.protocol}://${req.headers.host}`);
    return renderPage(req, reply, { page: 'pages/trace-flame' }, model);
  });
}
