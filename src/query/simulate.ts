import { InvalidInputError } from '../model/errors.js';
import type { TraceReader } from '../model/ports.js';
import type { Nanos } from '../model/span.js';
import { parsePolicy, PolicyError, STARTER_POLICY, type Policy } from '../sampling/policy.js';
import { simulate, type Simulation } from '../sampling/simulate.js';
import type { TimeWindow } from './window.js';

/**
 * The sampling simulator behind the query service: its input checked once (a bad policy is a 400 naming the rule
 * and field), the window's trace rows read through the reader port, the replay done by sampling/simulate.ts
 * (pure). The API and the page call this; they may not import sampling/ themselves.
 */

export { policyJson, STARTER_POLICY } from '../sampling/policy.js';
export { SLOW_MIN_TRACES, SLOW_PERCENT } from '../sampling/simulate.js';
export type { IncidentOutcome, RuleOutcome, Simulation, SlowThreshold, StrategyOutcome } from '../sampling/simulate.js';
export type { Policy };

/** At most this many traces replayed: the newest by start (a bound on memory and time; not yet measured at this size). */
export const MAX_SIMULATED_TRACES = 200_000;

export interface SimulateRequest {
  policy: Policy;
  /** Head sampling at this rate, beside the policy; none when undefined. */
  headRate?: number;
  window: TimeWindow;
}

export interface SimulationAnswer extends Simulation {
  policy: Policy;
  window: TimeWindow;
  limit: number;
  /** The window held more traces than `limit`: only the newest were replayed, from `replayedFromNs` on. */
  more: boolean;
  replayedFromNs?: Nanos;
}

/** `starter` (the default), or a policy as JSON text or an already parsed object (a POST body's `policy`). */
export function parseSimulatePolicy(raw: unknown): Policy {
  if (raw === undefined || raw === null || raw === '' || raw === 'starter') return STARTER_POLICY;
  let json = raw;
  if (typeof raw === 'string') {
    if (!raw.trim().startsWith('{')) throw new InvalidInputError(`policy must be "starter" or a policy as JSON, got "${raw.slice(0, 40)}"`, 'policy');
    try {
      json = JSON.parse(raw);
    } catch (err) {
      throw new InvalidInputError(`policy is not valid JSON: ${(err as Error).message}`, 'policy');
    }
  }
  try {
    return parsePolicy(json, 'policy');
  } catch (err) {
    if (err instanceof PolicyError) throw new InvalidInputError(err.message, 'policy');
    throw err;
  }
}

/** `head=0.01`: head sampling at 1 %; empty or absent: none. */
export function parseHeadRate(raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const rate = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  if (!(rate >= 0 && rate <= 1)) throw new InvalidInputError(`head must be a rate between 0 and 1 (0.01 = 1 %), got ${JSON.stringify(raw)}`, 'head');
  return rate;
}

export function simulateSampling(traces: TraceReader, req: SimulateRequest, limit = MAX_SIMULATED_TRACES): SimulationAnswer {
  const attributeKeys = req.policy.rules.flatMap((r) => (r.type === 'attribute' ? [r.key] : []));
  const walk = traces.walkTraces({ startNs: req.window.startNs, endNs: req.window.endNs, limit, attributeKeys });
  const sim = simulate({ traces: walk.traces, policy: req.policy, headRate: req.headRate, bytesPerSpan: walk.bytesPerSpan });
  return {
    ...sim,
    policy: req.policy,
    window: req.window,
    limit,
    more: walk.more,
    ...(walk.more && walk.traces.length > 0 ? { replayedFromNs: walk.traces[0].startNs } : {}),
  };
}
