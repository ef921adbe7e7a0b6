import type { TraceTree } from '../../analysis/types.js';
import { NotFoundError } from '../../model/errors.js';
import { parseTraceId } from '../../model/ids.js';
import type { QueryService } from '../../query/index.js';
import type { AnalysedTrace } from '../../query/trace.js';
import { traceHeader, type TraceHeader } from './page-model.js';

/**
 * What the trace's other views (statistics, flame graph, links) share with the waterfall page: the header with
 * its tab nav (views/partials/trace-header.eta), the styles, and the trace loaded exactly as the page and GET
 * /api/traces/{id}/analysis load it.
 */

export type TraceTab = 'waterfall' | 'stats' | 'flame' | 'links';

export interface TabHeader extends TraceHeader {
  tab: TraceTab;
}

export const TRACE_VIEW_STYLES = ['/static/trace.css', '/static/trace-views.css'];

export function tabHeader(tree: TraceTree, tab: TraceTab): TabHeader {
  return { ...traceHeader(tree), tab };
}

export function loadAnalysed(query: QueryService, rawId: string): AnalysedTrace {
  const id = parseTraceId(rawId);
  const trace = query.analysedTrace(id);
  if (!trace) throw new NotFoundError(`There is no trace ${id}. It may not have arrived yet, or retention removed it.`);
  return trace;
}

/** The waterfall's URL for one span: opens its details (?span=) at its row (#span-). */
export function waterfallSpanHref(traceId: string, spanId: string): string {
  return `/trace/${traceId}?span=${spanId}#span-${spanId}`;
}
