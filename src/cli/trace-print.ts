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
  return `${s.service}  ${s.name}  ${s.durationMs.toFixed(1)} ms${error}`;
}

function sortByStart(spans: ApiSpan[]): ApiSpan[] {
  return [...spans].sort((a, b) => {
    const d = BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano);
    return d < 0n ? -1 : d > 0n ? 1 : a.spanId.localeCompare(b.spanId);
  });
}
