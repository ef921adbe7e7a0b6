/** Hand-built OTLP/JSON export requests for API tests: exact values, no SDK clock involved. */

export interface JsonSpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  /** Nanoseconds since the epoch. */
  start: bigint;
  durationNs: bigint;
  error?: boolean;
  attributes?: Record<string, string | number | boolean>;
}

export const T0 = 1_700_000_000_000_000_000n;

function kv(attrs: Record<string, string | number | boolean>) {
  return Object.entries(attrs).map(([key, v]) => ({
    key,
    value:
      typeof v === 'string'
        ? { stringValue: v }
        : typeof v === 'boolean'
          ? { boolValue: v }
          : Number.isInteger(v)
            ? { intValue: String(v) }
            : { doubleValue: v },
  }));
}

/** One resource per service; spans grouped under it. */
export function exportRequest(byService: Record<string, JsonSpanSpec[]>, resourceAttrs: Record<string, string> = {}): string {
  return JSON.stringify({
    resourceSpans: Object.entries(byService).map(([service, spans]) => ({
      resource: { attributes: kv({ 'service.name': service, ...resourceAttrs }) },
      scopeSpans: [
        {
          scope: { name: 'test', version: '1' },
          spans: spans.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind ?? 1,
            startTimeUnixNano: String(s.start),
            endTimeUnixNano: String(s.start + s.durationNs),
            attributes: kv(s.attributes ?? {}),
            status: s.error ? { code: 2, message: 'boom' } : {},
          })),
        },
      ],
    })),
  });
}

export const tid = (n: number) => n.toString(16).padStart(32, '0');
export const sid = (n: number) => n.toString(16).padStart(16, '0');
