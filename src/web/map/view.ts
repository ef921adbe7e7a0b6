import type { DependencyEdge } from '../../analysis/types.js';
import { hueStyle, plural } from '../format.js';
import { customFields } from '../services/view.js';
import { href, presetLinks, windowLabel, type PageWindow } from '../services/window.js';
import { layout } from './layout.js';

/** The service map's view model: laid-out boxes and paths with their classes, links and hover texts. */

export interface MapNode {
  x: number;
  y: number;
  w: number;
  h: number;
  cx: number;
  label: string;
  sub: string;
  title: string;
  /** Undefined for an uninstrumented callee: no trace has it as a service. */
  href?: string;
  hue: string;
  cls: string;
}

export interface MapEdge {
  parent: string;
  child: string;
  d: string;
  cls: string;
  marker: string;
  href: string;
  title: string;
  label: string;
  labelX: number;
  labelY: number;
  labelW: number;
  calls: string;
  errors: string;
  kind: string;
}

export interface MapModel {
  windowLabel: string;
  presets: ReturnType<typeof presetLinks>;
  custom: ReturnType<typeof customFields>;
  width: number;
  height: number;
  nodes: MapNode[];
  edges: MapEdge[];
  summary: string;
  brokenCount: number;
  apiPath: string;
}

/** Characters of a service name that fit a node box at 13px. */
const MAX_LABEL = 18;

export function mapModel(deps: DependencyEdge[], w: PageWindow): MapModel {
  const callers = new Set(deps.map((e) => e.parent));
  const instrumentedCallees = new Set(deps.filter((e) => e.instrumented).map((e) => e.child));
  const isUninstrumented = (n: string) => !callers.has(n) && !instrumentedCallees.has(n);
  const picture = layout({ nodes: [], edges: deps.map((e) => ({ from: e.parent, to: e.child })) });
  const incoming = new Map<string, number>();
  for (const e of deps) incoming.set(e.child, (incoming.get(e.child) ?? 0) + e.callCount);

  const nodes = picture.nodes.map((b): MapNode => {
    const bare = isUninstrumented(b.id);
    const calls = incoming.get(b.id) ?? 0;
    return {
      x: b.x, y: b.y, w: b.w, h: b.h, cx: b.x + b.w / 2,
      label: b.id.length > MAX_LABEL ? `${b.id.slice(0, MAX_LABEL - 1)}…` : b.id,
      sub: bare ? 'uninstrumented' : calls === 0 ? 'entry point' : plural(calls, 'call') + ' in',
      title: bare
        ? `${b.id}: uninstrumented, known only from its callers' CLIENT spans`
        : `${b.id}: open its traces`,
      href: bare ? undefined : href('/', { service: b.id, ...w.searchParams }),
      hue: hueStyle(b.id),
      cls: bare ? 'node uninstrumented' : 'node',
    };
  });
  const edges = deps.map((e, i) => edgeView(e, picture.edges[i], w));
  const broken = deps.filter((e) => e.broken);
  return {
    windowLabel: windowLabel(w),
    presets: presetLinks('/map', w),
    custom: customFields(w),
    width: picture.width,
    height: picture.height,
    nodes,
    edges,
    summary: `${plural(nodes.length, 'service')} · ${plural(deps.length, 'edge')} · ${plural(deps.reduce((n, e) => n + e.callCount, 0), 'call')}`,
    brokenCount: broken.length,
    apiPath: href('/api/dependencies', { start: String((w.startNs ?? 0n) / 1_000_000n), end: String(w.endNs / 1_000_000n) }),
  };
}

function edgeView(e: DependencyEdge, path: { d: string; label: { x: number; y: number } }, w: PageWindow): MapEdge {
  const counts = `${plural(e.callCount, 'call')}${e.errorCount > 0 ? `, ${plural(e.errorCount, 'error')}` : ''}`;
  const label = `${e.callCount.toLocaleString('en')}${e.errorCount > 0 ? ` · ${e.errorCount.toLocaleString('en')} err` : ''}${e.broken ? ' · trace lost' : ''}`;
  const cls = ['edge', e.errorCount > 0 ? 'error' : '', e.broken ? 'broken' : '', e.instrumented ? '' : 'uninstrumented']
    .filter(Boolean)
    .join(' ');
  let title: string;
  let target: string;
  let kind: string;
  if (e.broken) {
    kind = 'broken propagation';
    target = href('/', { service: e.parent, ...w.searchParams });
    title = `${e.parent} calls ${e.child} without forwarding traceparent: ${plural(e.callCount, 'call')} continued in another trace` +
      `${e.errorCount > 0 ? ` (${plural(e.errorCount, 'error')})` : ''}. No trace contains both, so this opens ${e.parent}'s traces.`;
  } else if (!e.instrumented) {
    kind = 'to an uninstrumented service';
    target = href('/', { service: e.parent, ...w.searchParams });
    title = `${e.parent} → ${e.child} (uninstrumented, seen only from ${e.parent}'s client spans): ${counts}. Opens ${e.parent}'s traces.`;
  } else {
    kind = 'traced';
    target = href('/', { service: e.parent, alsoService: e.child, ...w.searchParams });
    title = `${e.parent} → ${e.child}: ${counts}. Opens the traces that contain both.`;
  }
  return {
    parent: e.parent,
    child: e.child,
    d: path.d,
    cls,
    marker: e.errorCount > 0 ? 'url(#arrow-error)' : e.broken ? 'url(#arrow-broken)' : 'url(#arrow)',
    href: target,
    title,
    label,
    labelX: path.label.x,
    labelY: path.label.y,
    labelW: Math.round(label.length * 6.6 + 12),
    calls: e.callCount.toLocaleString('en'),
    errors: e.errorCount.toLocaleString('en'),
    kind,
  };
}
