import type { ForwardingStats } from '../../model/forwarding.js';
import type { SamplingStats } from '../../model/sampling-ports.js';
import { formatMs } from '../format.js';

/** What a rule of the active policy does, in words (the policy as `policyJson` wrote it). */
interface RuleJson {
  name: string;
  type: string;
  action?: string;
  thresholdMs?: number;
  quantile?: number;
  minTraces?: number;
  key?: string;
  value?: string;
  match?: string;
  rate?: number;
  tracesPerSecond?: number;
}

export interface SamplingRuleRow {
  name: string;
  says: string;
  action: 'keep' | 'drop';
  kept: string;
  dropped: string;
  /** Share of decided traces this rule decided, e.g. "3.1 %". */
  share: string;
  /** 0–100, for the bar. */
  barPct: number;
}

export interface SamplingPageModel {
  enabled: boolean;
  policyName: string;
  decisionWait: string;
  maxAge: string;
  totals: Array<{ label: string; value: string; note: string }>;
  rules: SamplingRuleRow[];
  decided: Array<{ label: string; value: string }>;
  earlyNote: string;
  late: { kept: string; dropped: string };
  buffer: { spans: string; max: string; traces: string; writing: string; pct: number; pctText: string };
  writes: { spans: string; failedSpans: string; failedTraces: string; lastError: string };
}

const n = (v: number) => v.toLocaleString('en');
const pct = (part: number, whole: number) => (whole === 0 ? '–' : `${((100 * part) / whole).toFixed(part === whole || part === 0 ? 0 : 1)} %`);

export function describeRule(r: RuleJson): string {
  switch (r.type) {
    case 'error':
      return 'any span of the trace failed';
    case 'latency':
      return r.thresholdMs !== undefined
        ? `the trace took ${formatMs(r.thresholdMs)} or more`
        : `the trace took at least the running p${+(r.quantile! * 100).toFixed(3)} of its root service and operation (every trace counts as slow until ${n(r.minTraces ?? 100)} of that operation were seen)`;
    case 'attribute':
      return r.value !== undefined ? `a span or resource has ${r.key} = "${r.value}"` : `a span or resource has ${r.key} matching /${r.match}/`;
    case 'probabilistic':
      return `${+((r.rate ?? 0) * 100).toFixed(4)} % of traces, chosen by trace ID (the same traces on every tracelite)`;
    case 'rate-limit':
      return `up to ${n(r.tracesPerSecond ?? 0)} traces a second`;
    default:
      return r.type;
  }
}

export function samplingModel(s: SamplingStats | undefined): SamplingPageModel | { enabled: false } {
  if (!s) return { enabled: false };
  const policy = s.policy as { name: string; rules: RuleJson[]; default: 'keep' | 'drop' };
  const decided = s.traces.kept + s.traces.dropped;
  const byName = new Map(s.rules.map((r) => [r.rule, r]));
  const rows: SamplingRuleRow[] = [...policy.rules, { name: 'default', type: 'default', action: policy.default }].map((r) => {
    const c = byName.get(r.name) ?? { kept: 0, dropped: 0 };
    const total = c.kept + c.dropped;
    return {
      name: r.name,
      says: r.type === 'default' ? 'no rule matched' : describeRule(r),
      action: r.action === 'drop' ? 'drop' : 'keep',
      kept: n(c.kept),
      dropped: n(c.dropped),
      share: pct(total, decided),
      barPct: decided === 0 ? 0 : Math.round((1000 * total) / decided) / 10,
    };
  });
  const bufferPct = s.buffer.maxSpans === 0 ? 0 : Math.min(100, Math.round((1000 * s.buffer.spans) / s.buffer.maxSpans) / 10);
  return {
    enabled: true,
    policyName: policy.name,
    decisionWait: formatMs(s.decisionWaitMs),
    maxAge: formatMs(s.maxAgeMs),
    totals: [
      { label: 'Traces seen', value: n(s.traces.seen), note: `${n(s.spans.seen)} spans` },
      { label: 'Kept', value: n(s.traces.kept), note: `${pct(s.traces.kept, decided)} of decided · ${n(s.spans.kept)} spans` },
      { label: 'Dropped', value: n(s.traces.dropped), note: `${pct(s.traces.dropped, decided)} of decided · ${n(s.spans.dropped)} spans` },
      { label: 'Waiting', value: n(s.traces.buffered), note: `${n(s.spans.buffered)} spans undecided` },
    ],
    rules: rows,
    decided: [
      { label: 'Root ended, then quiet for the decision wait', value: n(s.decided.waited) },
      { label: 'Reached the maximum age', value: n(s.decided.maxAge) },
      { label: 'Early: the buffer was full', value: n(s.decided.early) },
      { label: 'At shutdown', value: n(s.decided.shutdown) },
    ],
    earlyNote:
      s.decided.early > 0
        ? 'Traces decided early may have been incomplete: their late spans follow the decision, but a slow or failed span that came after it could not change it. A larger --sampling-buffer avoids this.'
        : '',
    late: { kept: n(s.lateSpans.kept), dropped: n(s.lateSpans.dropped) },
    buffer: {
      spans: n(s.buffer.spans),
      max: n(s.buffer.maxSpans),
      traces: n(s.buffer.traces),
      writing: n(s.buffer.writing),
      pct: bufferPct,
      pctText: `${bufferPct.toFixed(bufferPct < 10 ? 1 : 0)} %`,
    },
    writes: { spans: n(s.writes.spans), failedSpans: n(s.writes.failedSpans), failedTraces: n(s.writes.failedTraces), lastError: s.writes.lastError },
  };
}

export interface ForwardingPanel {
  enabled: boolean;
  endpoint: string;
  sent: string;
  queue: { spans: string; max: string; pct: number };
  retried: string;
  dropped: string;
  /** "queue full: 1,200 · shutdown: 3", or ''. */
  reasons: string;
  lastError: string;
  lastSuccessAt: string;
}

/** --forward's counters in words; `enabled: false` when tracelite does not forward. */
export function forwardingModel(f: ForwardingStats | undefined): ForwardingPanel {
  const off = { enabled: false, endpoint: '', sent: '', queue: { spans: '', max: '', pct: 0 }, retried: '', dropped: '', reasons: '', lastError: '', lastSuccessAt: '' };
  if (!f || !f.enabled) return off;
  return {
    enabled: true,
    endpoint: f.endpoint ?? '',
    sent: `${n(f.sent.spans)} spans in ${n(f.sent.batches)} exports`,
    queue: { spans: n(f.queue.spans), max: n(f.queue.max), pct: f.queue.max === 0 ? 0 : Math.min(100, Math.round((1000 * f.queue.spans) / f.queue.max) / 10) },
    retried: n(f.retried),
    dropped: n(f.dropped.spans),
    reasons: Object.entries(f.dropped.reasons).map(([why, count]) => `${why}: ${n(count)}`).join(' · '),
    lastError: f.lastError ? `${f.lastError.message} (${f.lastError.at})` : '',
    lastSuccessAt: f.lastSuccessAt ?? 'never',
  };
}
