import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sortStats, STATS_SORT_KEYS, traceStats, type StatsRow, type StatsSortKey } from '../../analysis/trace-stats.js';
import type { WebDeps } from '../plugin.js';
import { formatMs, hueStyle, plural } from '../format.js';
import { renderPage } from '../render.js';
import { loadAnalysed, tabHeader, TRACE_VIEW_STYLES, type TabHeader } from './tabs.js';

/**
 * /trace/{id}/stats: Jaeger's "Trace Statistics" table per service and per operation, from analysis/trace-stats.ts
 * (the same numbers as GET /api/traces/{id}/analysis's `statistics`). Sorting is a link per column header
 * (`?sort=selfMs&dir=desc`), re-sorted on the server: no JavaScript needed.
 */

type Dir = 'asc' | 'desc';

export interface StatsColumn {
  key: StatsSortKey;
  label: string;
  title: string;
  num: boolean;
  href: string;
  /** aria-sort on the header cell. */
  ariaSort: 'ascending' | 'descending' | 'none';
  arrow: string;
}

export interface StatsViewRow {
  service: string;
  hue: string;
  operation: string;
  /** The waterfall with these spans found (?find=). */
  findHref: string;
  count: string;
  total: string;
  avg: string;
  min: string;
  max: string;
  self: string;
  critical: string;
  share: string;
  /** Inline style of the share bar: width only. */
  shareBar: string;
  errors: number;
}

export interface StatsPageModel {
  title: string;
  nav: undefined;
  styles: string[];
  scripts: string[];
  header: TabHeader;
  columns: StatsColumn[];
  services: StatsViewRow[];
  operations: StatsViewRow[];
  sortedBy: string;
  untraced: string | null;
  apiPaths: string[];
  origin: string;
}

const COLUMNS: Array<{ key: StatsSortKey; label: string; title: string; num: boolean }> = [
  { key: 'service', label: 'Service', title: 'The service that sent the spans', num: false },
  { key: 'operation', label: 'Operation', title: 'The span name', num: false },
  { key: 'count', label: 'Count', title: 'Spans', num: true },
  { key: 'totalMs', label: 'Total', title: 'Sum of the spans\u2019 durations', num: true },
  { key: 'avgMs', label: 'Avg', title: 'Average duration', num: true },
  { key: 'minMs', label: 'Min', title: 'Shortest span', num: true },
  { key: 'maxMs', label: 'Max', title: 'Longest span', num: true },
  { key: 'selfMs', label: 'Self', title: 'Time in these spans not covered by their children', num: true },
  { key: 'criticalMs', label: 'Critical path', title: 'Time of these spans on the critical path, and its share of the trace', num: true },
  { key: 'errors', label: 'Errors', title: 'Spans that failed', num: true },
];

export function statsPageModel(
  trace: { tree: Parameters<typeof traceStats>[0]; analysis: Parameters<typeof traceStats>[1] },
  sort: { key: StatsSortKey; dir: Dir },
  origin: string,
): StatsPageModel {
  const header = tabHeader(trace.tree, 'stats');
  const id = header.traceId;
  const stats = traceStats(trace.tree, trace.analysis);
  const view = (r: StatsRow): StatsViewRow => ({
    service: r.service,
    hue: hueStyle(r.service),
    operation: r.operation,
    findHref: `/trace/${id}?find=${encodeURIComponent(r.spanName || r.service)}`,
    count: r.count.toLocaleString('en'),
    total: formatMs(r.totalMs),
    avg: formatMs(r.avgMs),
    min: formatMs(r.minMs),
    max: formatMs(r.maxMs),
    self: formatMs(r.selfMs),
    critical: r.criticalMs > 0 ? formatMs(r.criticalMs) : '–',
    share: `${(r.criticalShare * 100).toFixed(r.criticalShare >= 0.1 || r.criticalShare === 0 ? 0 : 1)} %`,
    shareBar: `width: ${Math.min(100, r.criticalShare * 100).toFixed(2)}%`,
    errors: r.errors,
  });
  const columns = COLUMNS.map((c): StatsColumn => {
    const active = c.key === sort.key;
    const next: Dir = active ? (sort.dir === 'asc' ? 'desc' : 'asc') : c.num ? 'desc' : 'asc';
    return {
      ...c,
      href: `/trace/${id}/stats?sort=${c.key}&dir=${next}`,
      ariaSort: active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none',
      arrow: active ? (sort.dir === 'asc' ? '\u25B2' : '\u25BC') : '',
    };
  });
  const col = COLUMNS.find((c) => c.key === sort.key)!;
  return {
    title: `Statistics · ${header.rootService} ${header.rootName}`.trim(),
    nav: undefined,
    styles: TRACE_VIEW_STYLES,
    scripts: [],
    header,
    columns,
    // Operation-only sort keys sort the service table by service name.
    services: sortStats(stats.services, sort.key === 'operation' ? 'service' : sort.key, sort.dir).map(view),
    operations: sortStats(stats.operations, sort.key, sort.dir).map(view),
    sortedBy: `${col.label}, ${sort.dir === 'asc' ? 'ascending' : 'descending'}`,
    untraced: stats.untracedCriticalMs > 0 ? `${formatMs(stats.untracedCriticalMs)} of the critical path is on no span (an untraced gap between the trace's ${plural(trace.tree.roots.length, 'root')}).` : null,
    apiPaths: [`/api/traces/${id}/analysis`],
    origin,
  };
}

const query = {
  type: 'object',
  properties: { sort: { type: 'string', enum: [...STATS_SORT_KEYS] }, dir: { type: 'string', enum: ['asc', 'desc'] } },
} as const;
const params = { type: 'object', properties: { traceId: { type: 'string' } }, required: ['traceId'] } as const;
type Req = FastifyRequest<{ Params: { traceId: string }; Querystring: { sort?: StatsSortKey; dir?: Dir } }>;

export async function traceStatsView(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.get('/trace/:traceId/stats', { schema: { params, querystring: query } }, async (req: Req, reply) => {
    const trace = loadAnalysed(deps.query, req.params.traceId);
    const key = req.query.sort ?? 'selfMs';
    const dir = req.query.dir ?? (COLUMNS.find((c) => c.key === key)!.num ? 'desc' : 'asc');
    const model = statsPageModel(trace, { key, dir }, `${req.protocol}://${req.headers.host}`);
    return renderPage(req, reply, { page: 'pages/trace-stats' }, model);
  });
}
