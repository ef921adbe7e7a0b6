/** The trace as `tracelite check` prints it: one line per span, indented under its parent, children by start. */

export interface ApiSpan {
  spanId: string;
  parentSpanId: string;
  service: string;
  name: string;
  kind: string;
  startTimeUnixNano: string;
  durationMs: number;
  status: { code: string; message: string };
  attributes: Record<string, unknown>;
}

export function renderTree(spans: readonly ApiSpan[]): string[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, ApiSpan[]>();
  const roots: ApiSpan[] = [];
  for (const s of spans) {
    // Orphans (parent never arrived) print as roots of their own rather than disappearing.
    if (s.parentSpanId === '' || !ids.has(s.parentSpanId) || s.parentSpanId === s.spanId) roots.push(s);
    else children.set(s.parentSpanId, [...(children.get(s.parentSpanId) ?? []), s]);
  }
  const lines: string[] = [];
  const seen = new Set<string>(); // a parent cycle would otherwise loop forever
  const walk = (s: ApiSpan, depth: number) => {
    if (seen.has(s.spanId)) return;
    seen.add(s.spanId);
    lines.push(`${'  '.repeat(depth + 1)}${spanLine(s)}`);
    for (const c of sortByStart(children.get(s.spanId) ?? [])) walk(c, depth + 1);
  };
  for (const r of sortByStart(roots)) walk(r, 0);
  return lines;
}

function spanLine(s: ApiSpan): string {
  const status = s.attributes['http.response.status_code'] ?? s.attributes['http.status_code'];
  const code = typeof status === 'number' ? ` ${status}` : '';
  const error = s.status.code === 'error' ? `  ✗${code}${s.status.message ? ` ${s.status.message}` : ''}` : '';
  const target = detail(s);
  return `${s.service}  ${s.name}${target ? `  ${target}` : ''}  ${s.durationMs.toFixed(1)} ms${error}`;
}

/** What a call went to (client spans) or what was asked for (server spans), when the name does not say it. */
function detail(s: ApiSpan): string {
  const a = s.attributes;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  if (s.kind === 'client' || s.kind === 'producer') {
    const peer = str(a['service.peer.name']) ?? str(a['peer.service']);
    const url = str(a['url.full']) ?? str(a['http.url']);
    const where = url?.replace(/^[a-z]+:\/\//, '');
    return peer ? `→ ${peer}${where ? ` (${where})` : ''}` : where ? `→ ${where}` : '';
  }
  const path = str(a['url.path']) ?? str(a['http.target']);
  return s.kind === 'server' && path && !s.name.includes(' ') ? path : '';
}

function sortByStart(spans: ApiSpan[]): ApiSpan[] {
  return [...spans].sort((a, b) => {
    const d = BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano);
    return d < 0n ? -1 : d > 0n ? 1 : a.spanId.localeCompare(b.spanId);
  });
}
