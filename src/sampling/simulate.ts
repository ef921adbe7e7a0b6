import type { TraceId } from '../model/span.js';
import type { WalkedTrace } from '../model/trace-walk.js';
import { keptAtRate, PolicyEvaluator, type PolicyTrace } from './evaluate.js';
import type { Policy, Rule } from './policy.js';

/**
 * The sampling simulator (pure): stored traces replayed through a tail policy, and through head sampling at a
 * rate, to show on a team's own traffic what each keeps — above all, the incidents each keeps and misses.
 *
 * - The replay feeds a fresh `PolicyEvaluator` in the order the live sampler decides: trace end (a trace is
 *   decided once it completes), ties by trace ID; the rate limits' clock is each trace's end. A trace's facts are
 *   its stored row's, which are `traceFacts` over its spans (failed if any span has the stored failure flag;
 *   first start to last end; the root span's service and name).
 * - Head sampling keeps a trace by `keptAtRate(traceId, rate)`: the same trace-ID randomness as the
 *   probabilistic rule (OTel's consistent probability sampling), so head at 1 % and a tail 1 % rule keep the
 *   same ordinary traces, and the difference is only the incidents.
 * - Incidents: errored traces (any span failed), and p99-slow traces — longer than the exact p99 of their root
 *   service + operation over the replayed traces (nearest rank: the ⌈0.99·n⌉-th shortest), judged only for root
 *   operations with at least 100 traces (fewer cannot place a p99).
 * - Storage saved: the spans a strategy drops × the store's measured bytes per span.
 */

/** p99: the slowest 1 % of a root operation's traces are its slow ones. */
export const SLOW_PERCENT = 99;
/** Root operations with fewer traces in the window have no p99-slow traces. */
export const SLOW_MIN_TRACES = 100;
/** Example trace IDs per class and outcome. */
export const EXAMPLES = 5;

export interface SimulationInput {
  /** The window's stored traces (any order: the replay sorts them). */
  traces: readonly WalkedTrace[];
  policy: Policy;
  /** Head sampling at this rate (0–1), or none. */
  headRate?: number;
  bytesPerSpan: number;
  examples?: number;
}

/** What a strategy did to one class of incidents. */
export interface IncidentOutcome {
  total: number;
  kept: number;
  missed: number;
  /** kept / total; null when there were none. */
  keptShare: number | null;
  examples: { kept: TraceId[]; missed: TraceId[] };
}

export interface StrategyOutcome {
  kept: number;
  dropped: number;
  /** kept / traces; 0 for no traces. */
  keptShare: number;
  spansKept: number;
  spansDropped: number;
  /** spansDropped × bytesPerSpan, rounded. */
  bytesSaved: number;
  errored: IncidentOutcome;
  slow: IncidentOutcome;
}

/** How many traces a rule (or the default) decided, first match wins. */
export interface RuleOutcome {
  name: string;
  type: Rule['type'] | 'default';
  action: 'keep' | 'drop';
  traces: number;
  share: number;
  spans: number;
  /** Latency quantile rules: of `traces`, those decided while the rule had seen fewer than minTraces of the root operation. */
  warmup?: number;
  examples: TraceId[];
}

export interface SlowThreshold {
  rootService: string;
  rootName: string;
  traces: number;
  p99Ns: bigint;
  slow: number;
}

export interface Simulation {
  traces: number;
  spans: number;
  bytesPerSpan: number;
  errored: number;
  slow: number;
  /** Root operations with enough traces for a p99, slowest first by p99. */
  thresholds: SlowThreshold[];
  /** Traces whose root operation had fewer than SLOW_MIN_TRACES traces (never counted slow). */
  unjudged: number;
  tail: StrategyOutcome & { rules: RuleOutcome[] };
  head?: StrategyOutcome & { rate: number };
}

export function simulate(input: SimulationInput): Simulation {
  const n = input.examples ?? EXAMPLES;
  const order = [...input.traces].sort(byEnd);
  const { slow, thresholds, unjudged } = slowTraces(order);
  const errored = (t: WalkedTrace) => t.errorCount > 0;

  const tail = replay(order, input.policy, n);
  const keptTail = (t: WalkedTrace, i: number) => tail.keep[i];
  const spans = order.reduce((a, t) => a + t.spanCount, 0);
  const outcome = (kept: (t: WalkedTrace, i: number) => boolean): StrategyOutcome => {
    const s = { kept: 0, spansKept: 0 };
    const err = incidents(n);
    const sl = incidents(n);
    order.forEach((t, i) => {
      const k = kept(t, i);
      if (k) {
        s.kept++;
        s.spansKept += t.spanCount;
      }
      if (errored(t)) err.add(t.traceId, k);
      if (slow.has(t.traceId)) sl.add(t.traceId, k);
    });
    const spansDropped = spans - s.spansKept;
    return {
      kept: s.kept,
      dropped: order.length - s.kept,
      keptShare: share(s.kept, order.length),
      spansKept: s.spansKept,
      spansDropped,
      bytesSaved: Math.round(spansDropped * input.bytesPerSpan),
      errored: err.done(),
      slow: sl.done(),
    };
  };

  const result: Simulation = {
    traces: order.length,
    spans,
    bytesPerSpan: input.bytesPerSpan,
    errored: order.filter(errored).length,
    slow: slow.size,
    thresholds,
    unjudged,
    tail: { ...outcome(keptTail), rules: tail.rules.map((r) => ({ ...r, share: share(r.traces, order.length) })) },
  };
  if (input.headRate !== undefined) {
    const rate = input.headRate;
    result.head = { rate, ...outcome((t) => keptAtRate(t.traceId, rate)) };
  }
  return result;
}

/** The live sampler's order: by end, then trace ID. */
function byEnd(a: WalkedTrace, b: WalkedTrace): number {
  if (a.endNs !== b.endNs) return a.endNs < b.endNs ? -1 : 1;
  return a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0;
}

/** The policy's decision for each trace in replay order, and what each rule decided. */
function replay(order: readonly WalkedTrace[], policy: Policy, n: number): { keep: boolean[]; rules: Array<Omit<RuleOutcome, 'share'>> } {
  const evaluator = new PolicyEvaluator(policy);
  const rules = new Map<string, Omit<RuleOutcome, 'share'>>();
  for (const r of policy.rules) {
    const warm = r.type === 'latency' && r.quantile !== undefined;
    rules.set(r.name, { name: r.name, type: r.type, action: r.action, traces: 0, spans: 0, ...(warm ? { warmup: 0 } : {}), examples: [] });
  }
  rules.set('default', { name: 'default', type: 'default', action: policy.default, traces: 0, spans: 0, examples: [] });
  const byName = new Map(policy.rules.map((r) => [r.name, r]));
  // Traces seen per root operation before this one: what the evaluator's quantiles have seen (every trace feeds them).
  const seen = new Map<string, number>();
  const keep = order.map((t) => {
    const key = `${t.rootService}\u0000${t.rootName}`;
    const before = seen.get(key) ?? 0;
    seen.set(key, before + 1);
    const d = evaluator.decide(policyTrace(t), Number(t.endNs / 1_000_000n));
    const r = rules.get(d.rule)!;
    r.traces++;
    r.spans += t.spanCount;
    if (r.examples.length < n) r.examples.push(t.traceId);
    const rule = byName.get(d.rule);
    if (r.warmup !== undefined && rule?.type === 'latency' && before < rule.minTraces) r.warmup++;
    return d.keep;
  });
  return { keep, rules: [...rules.values()] };
}

function policyTrace(t: WalkedTrace): PolicyTrace {
  return {
    traceId: t.traceId,
    error: t.errorCount > 0,
    durationNs: t.durationNs,
    rootService: t.rootService,
    rootName: t.rootName,
    attribute: (key) => t.attributes?.get(key) ?? [],
  };
}

/** The exact p99 per root operation with enough traces, and the traces above it. */
function slowTraces(traces: readonly WalkedTrace[]): { slow: Set<TraceId>; thresholds: SlowThreshold[]; unjudged: number } {
  const byOp = new Map<string, WalkedTrace[]>();
  for (const t of traces) {
    const key = `${t.rootService}\u0000${t.rootName}`;
    let list = byOp.get(key);
    if (!list) byOp.set(key, (list = []));
    list.push(t);
  }
  const slow = new Set<TraceId>();
  const thresholds: SlowThreshold[] = [];
  let unjudged = 0;
  for (const list of byOp.values()) {
    if (list.length < SLOW_MIN_TRACES) {
      unjudged += list.length;
      continue;
    }
    const sorted = list.map((t) => t.durationNs).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    // Nearest rank in integers (0.99·n in floating point is not always exact): the ⌈99·n/100⌉-th shortest.
    const rank = Math.floor((SLOW_PERCENT * list.length + 99) / 100);
    const p99Ns = sorted[rank - 1];
    let count = 0;
    for (const t of list) {
      if (t.durationNs > p99Ns) {
        slow.add(t.traceId);
        count++;
      }
    }
    thresholds.push({ rootService: list[0].rootService, rootName: list[0].rootName, traces: list.length, p99Ns, slow: count });
  }
  thresholds.sort((a, b) => (a.p99Ns > b.p99Ns ? -1 : a.p99Ns < b.p99Ns ? 1 : a.rootService.localeCompare(b.rootService) || a.rootName.localeCompare(b.rootName)));
  return { slow, thresholds, unjudged };
}

function incidents(n: number): { add(id: TraceId, kept: boolean): void; done(): IncidentOutcome } {
  const o = { total: 0, kept: 0, examples: { kept: [] as TraceId[], missed: [] as TraceId[] } };
  return {
    add(id, kept) {
      o.total++;
      if (kept) o.kept++;
      const list = kept ? o.examples.kept : o.examples.missed;
      if (list.length < n) list.push(id);
    },
    done: () => ({ total: o.total, kept: o.kept, missed: o.total - o.kept, keptShare: o.total === 0 ? null : o.kept / o.total, examples: o.examples }),
  };
}

function share(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}
