import type { FanOutFinding, RootCause, TraceAnalysis, WarningKind } from '../../analysis/types.js';
import type { SpanId } from '../../model/span.js';
import { formatMs, hueStyle } from '../format.js';

/**
 * The analysis beside the waterfall, in plain words; every finding links to the span it is about, and the link
 * highlights all the spans the finding names (`&mark=`) in the waterfall, with or without JavaScript.
 */

/** A span's page URL, optionally highlighting more spans (a finding's calls). */
export type SpanHref = (id: SpanId, mark?: SpanId[]) => string;

export interface TimeSegment {
  service: string;
  hue: string;
  style: string;
  ms: string;
  pct: string;
  instrumented: boolean;
}

/** Findings shown per section; a 10,000-span batch job can have hundreds, and the first few tell the story. */
export const MAX_FINDINGS = 6;

/** A finding in plain words, linked to the span it is about. */
export interface Finding {
  message: string;
  href: string;
}

export interface AnalysisPanel {
  traceId: string;
  total: string;
  time: TimeSegment[];
  criticalPath: { spans: number; ms: string; href: string | null; share: string };
  /** The same call made again and again one after another (fan-out kind 'repeated'), largest saving first. */
  repeated: Finding[];
  /** Calls to different targets one after another (kind 'sequential'): advice only if they are independent. */
  sequential: Finding[];
  /** How many findings of each list were left out, for an "and N more" line. */
  moreRepeated: number;
  moreSequential: number;
  moreWarnings: number;
  moreOrphans: number;
  rootCause: {
    /** "Why it failed", or "An error that was handled" when a retry or fallback worked and the request did not fail. */
    heading: string;
    headingClass: string;
    message: string;
    href: string;
    exception: { type: string; message: string } | null;
    chain: Array<{ service: string; hue: string; name: string; status: string; originated: boolean; href: string }>;
    handledBy: { service: string; hue: string; name: string; href: string } | null;
    /** "2 more errored spans are not on this path; each is marked in the waterfall.", or ''. */
    others: string;
  } | null;
  broken: Array<{ message: string; href: string; otherHref: string }>;
  orphans: Array<{ message: string; href: string }>;
  warnings: Array<{ message: string; href: string | null; kind: WarningKind }>;
  clean: boolean;
}

export function analysisPanel(a: TraceAnalysis, spanHref: SpanHref): AnalysisPanel {
  const rc = a.rootCause;
  const broken = a.propagation.brokenLinks.map((b) => ({
    message: b.message,
    href: spanHref(b.clientSpanId, [b.clientSpanId]),
    otherHref: `/trace/${b.matchedTraceId}?span=${b.matchedSpanId}`,
  }));
  const orphans = a.propagation.orphans.slice(0, MAX_FINDINGS).map((o) => ({ message: o.message, href: spanHref(o.spanId, [o.spanId]) }));
  // Orphans are explained (with their likely cause) under propagation; the other warnings are data quality.
  const allWarnings = a.warnings.filter((w) => w.kind !== 'orphan');
  const warnings = allWarnings
    .slice(0, MAX_FINDINGS)
    .map((w) => ({ message: w.message, href: w.spanId ? spanHref(w.spanId, [w.spanId]) : null, kind: w.kind }));
  const pathMs = a.criticalPath.reduce((t, p) => t + p.ms, 0);
  const pathIds = [...new Set(a.criticalPath.map((p) => p.spanId).filter((id) => id !== ''))];
  // The analysis already ranks them (repeated first, then by saving); each kind gets its own heading.
  const repeated = a.fanOut.filter((f) => f.kind === 'repeated');
  const sequential = a.fanOut.filter((f) => f.kind === 'sequential');
  return {
    traceId: a.traceId,
    total: formatMs(a.durationMs),
    time: a.timeByService.map((t) => ({
      service: t.service,
      hue: hueStyle(t.service),
      style: `${hueStyle(t.service)}; width: ${(Math.max(t.share, 0) * 100).toFixed(2)}%`,
      ms: formatMs(t.selfMs),
      pct: `${(t.share * 100).toFixed(t.share < 0.1 ? 1 : 0)}%`,
      instrumented: t.instrumented,
    })),
    criticalPath: {
      spans: new Set(a.criticalPath.map((p) => p.spanId)).size,
      ms: formatMs(pathMs),
      href: pathIds.length ? spanHref(pathIds[pathIds.length - 1], pathIds) : null,
      share: a.durationMs > 0 ? `${Math.round((pathMs / a.durationMs) * 100)}%` : '',
    },
    repeated: repeated.slice(0, MAX_FINDINGS).map((f) => finding(f, spanHref)),
    sequential: sequential.slice(0, MAX_FINDINGS).map((f) => finding(f, spanHref)),
    moreRepeated: Math.max(0, repeated.length - MAX_FINDINGS),
    moreSequential: Math.max(0, sequential.length - MAX_FINDINGS),
    moreWarnings: Math.max(0, allWarnings.length - MAX_FINDINGS),
    moreOrphans: Math.max(0, a.propagation.orphans.length - MAX_FINDINGS),
    rootCause: rc && rootCause(rc, spanHref),
    broken,
    orphans,
    warnings,
    clean: !rc && a.fanOut.length === 0 && broken.length === 0 && orphans.length === 0 && warnings.length === 0,
  };
}

function finding(f: FanOutFinding, spanHref: SpanHref): Finding {
  return { message: f.message, href: spanHref(f.spanId, [f.spanId, ...f.callSpanIds]) };
}

function rootCause(rc: RootCause, spanHref: SpanHref): NonNullable<AnalysisPanel['rootCause']> {
  const others = rc.errors.length - rc.chain.length;
  const chainIds = rc.chain.map((h) => h.spanId);
  return {
    heading: rc.handledBy ? 'An error that was handled' : 'Why it failed',
    headingClass: rc.handledBy ? 'h-warn' : 'h-error',
    message: rc.message,
    href: spanHref(rc.spanId, [rc.spanId, ...chainIds]),
    exception: rc.exception && (rc.exception.type || rc.exception.message) ? { type: rc.exception.type, message: rc.exception.message } : null,
    chain: rc.chain.map((h) => ({
      service: h.service,
      hue: hueStyle(h.service),
      name: h.label,
      status: h.httpStatus !== undefined ? String(h.httpStatus) : 'error',
      originated: h.originated,
      href: spanHref(h.spanId),
    })),
    handledBy: rc.handledBy && {
      service: rc.handledBy.service,
      hue: hueStyle(rc.handledBy.service),
      name: rc.handledBy.name,
      href: spanHref(rc.handledBy.spanId),
    },
    others:
      others <= 0
        ? ''
        : `${others} more errored span${others === 1 ? ' is' : 's are'} not on this path; ${others === 1 ? 'it is' : 'each is'} marked in the waterfall.`,
  };
}
