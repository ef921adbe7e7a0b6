import type { ImportResult } from '../../model/import.js';

const FORMAT_NAMES: Record<ImportResult['format'], string> = {
  'otlp-json': 'OTLP JSON',
  'otlp-ndjson': 'OTLP JSON lines (Collector file exporter)',
  'jaeger-json': 'Jaeger UI JSON',
  'zipkin-json': 'Zipkin v2 JSON',
};

export interface ImportResultView {
  format: string;
  spans: string;
  traces: string;
  rejectedSpans: string;
  rejected: string[];
  skippedLines: string | null;
  links: Array<{ href: string; id: string }>;
  more: number;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** The upload result as the page shows it: formatted counts and a link to each imported trace. */
export function importResultView(r: ImportResult): ImportResultView {
  return {
    format: FORMAT_NAMES[r.format],
    spans: plural(r.spans, 'span'),
    traces: plural(r.traces, 'trace'),
    rejectedSpans: plural(r.rejectedSpans, 'span'),
    rejected: r.rejected,
    skippedLines: r.skippedLines ? plural(r.skippedLines, 'line') : null,
    links: r.traceIds.map((id) => ({ href: `/trace/${id}`, id })),
    more: r.traces - r.traceIds.length,
  };
}
