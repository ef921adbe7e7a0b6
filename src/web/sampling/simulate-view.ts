import type { IncidentOutcome, RuleOutcome, SimulationAnswer, StrategyOutcome } from '../../query/simulate.js';
import { formatMs, hueStyle, plural } from '../format.js';
import { PRESETS } from '../../query/window.js';
import { href, windowLabel, type PageWindow } from '../services/window.js';

/** The simulator page's view model (pure): finished strings for the template, head and tail side by side. */

export interface SimulateForm {
  /** 'starter' or 'custom' (the textarea's policy). */
  preset: 'starter' | 'custom';
  /** The policy JSON the textarea shows. */
  policyText: string;
  /** The head rate as typed ('' for none). */
  head: string;
}

export interface IncidentView {
  label: string;
  kept: string;
  missed: string;
  /** Kept share as a bar width (0–100), and its text. */
  pct: number;
  share: string;
  missedClass: string;
  keptLinks: Array<{ id: string; href: string }>;
  missedLinks: Array<{ id: string; href: string }>;
}

export interface StrategyView {
  key: 'head' | 'tail';
  title: string;
  subtitle: string;
  kept: string;
  keptPct: number;
  spans: string;
  saved: string;
  incidents: IncidentView[];
}

export function simulateModel(sim: SimulationAnswer, form: SimulateForm, w: PageWindow) {
  const strategies: StrategyView[] = [];
  if (sim.head) strategies.push(strategy('head', 'Head sampling', `${percent(sim.head.rate)} of traces, decided when each trace starts (by its trace ID)`, sim.head, sim));
  strategies.push(strategy('tail', `Tail policy “${sim.policy.name}”`, 'decided once each trace is complete, first matching rule', sim.tail, sim));
  return {
    windowLabel: windowLabel(w),
    windowOptions: windowOptions(w.preset === 'custom' ? '' : w.preset),
    custom: { start: w.preset === 'custom' ? w.params.start : '', end: w.preset === 'custom' ? w.params.end : '' },
    summary: `${plural(sim.traces, 'trace')} (${plural(sim.spans, 'span')}) starting in this window`,
    more: sim.more ? `The window holds more than ${sim.limit.toLocaleString('en')} traces: only the newest ${sim.limit.toLocaleString('en')} were replayed.` : '',
    incidents: `${plural(sim.errored, 'errored trace')} and ${plural(sim.slow, 'p99-slow trace')}`,
    unjudged: sim.unjudged > 0 ? `${plural(sim.unjudged, 'trace')} of root operations with fewer than 100 traces in the window are not judged slow or not.` : '',
    strategies,
    rules: sim.tail.rules.map(ruleRow),
    thresholds: sim.thresholds.slice(0, 20).map((t) => ({
      service: t.rootService,
      hue: hueStyle(t.rootService),
      name: t.rootName,
      traces: t.traces.toLocaleString('en'),
      p99: formatMs(Number(t.p99Ns) / 1e6),
      slow: t.slow.toLocaleString('en'),
    })),
    moreThresholds: sim.thresholds.length > 20 ? `and ${sim.thresholds.length - 20} more root operations (in the API's answer)` : '',
    bytesPerSpan: `${Math.round(sim.bytesPerSpan).toLocaleString('en')} B`,
    apiPath: href('/api/sampling/simulate', { policy: form.preset === 'starter' ? 'starter' : compact(form.policyText), head: form.head, ...apiWindow(sim) }),
    empty: sim.traces === 0,
  };
}

function strategy(key: 'head' | 'tail', title: string, subtitle: string, o: StrategyOutcome, sim: SimulationAnswer): StrategyView {
  return {
    key,
    title,
    subtitle,
    kept: `${o.kept.toLocaleString('en')} of ${sim.traces.toLocaleString('en')} traces kept (${percent(o.keptShare)})`,
    keptPct: width(o.keptShare),
    spans: `${plural(o.spansKept, 'span')} kept, ${o.spansDropped.toLocaleString('en')} dropped`,
    saved: `${bytes(o.bytesSaved)} saved (${percent(sim.spans === 0 ? 0 : o.spansDropped / sim.spans)} of the spans)`,
    incidents: [incident('Errored traces', o.errored), incident('p99-slow traces', o.slow)],
  };
}

function incident(label: string, i: IncidentOutcome): IncidentView {
  const links = (ids: string[]) => ids.map((id) => ({ id: id.slice(0, 16), href: `/trace/${id}` }));
  return {
    label,
    kept: `${i.kept.toLocaleString('en')} kept`,
    missed: `${i.missed.toLocaleString('en')} missed`,
    pct: width(i.keptShare ?? 0),
    share: i.keptShare === null ? 'none in this window' : `${percent(i.keptShare)} of ${i.total.toLocaleString('en')}`,
    missedClass: i.missed > 0 ? 'badge error' : 'badge',
    keptLinks: links(i.examples.kept),
    missedLinks: links(i.examples.missed),
  };
}

function ruleRow(r: RuleOutcome) {
  return {
    name: r.name,
    type: r.type,
    action: r.action,
    traces: r.traces.toLocaleString('en'),
    share: percent(r.share),
    spans: r.spans.toLocaleString('en'),
    note: r.warmup ? `${r.warmup.toLocaleString('en')} of them in warm-up: before the rule had seen enough of their root operation, every trace counts as slow` : '',
    examples: r.examples.slice(0, 3).map((id) => ({ id: id.slice(0, 8), href: `/trace/${id}` })),
  };
}

/** "1 %", "0.3 %", "99.95 %". */
export function percent(share: number): string {
  const p = share * 100;
  if (p === 0 || p === 100) return `${p} %`;
  const digits = p < 1 || p > 99 ? 2 : 1;
  return `${Number(p.toFixed(digits))} %`;
}

/** "812 B", "4.1 KB", "3.2 MB", "1.05 GB" (powers of 1,000). */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${Number(v.toFixed(v < 10 ? 2 : 1))} ${units[u]}`;
}

const width = (share: number) => Math.round(Math.min(1, Math.max(0, share)) * 1000) / 10;

function compact(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

function apiWindow(sim: SimulationAnswer): Record<string, string | undefined> {
  const ms = (ns: bigint) => String(ns / 1_000_000n);
  // The API has no presets: all time is start=0.
  return { start: sim.window.startNs === undefined ? '0' : ms(sim.window.startNs), end: ms(sim.window.endNs) };
}

const PRESET_LABEL: Record<string, string> = { '5m': 'Last 5 min', '15m': 'Last 15 min', '1h': 'Last hour', '24h': 'Last 24 h', all: 'All time' };

/** The window select's options, the current preset selected (none for a custom range). */
export function windowOptions(current: string): Array<{ value: string; label: string; selected: boolean }> {
  return PRESETS.map((p) => ({ value: p, label: PRESET_LABEL[p], selected: p === current }));
}
