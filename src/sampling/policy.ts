import { backtrackRisk } from '../model/regex.js';

/**
 * Tail-sampling policies: what a policy file says, checked once. Rules are evaluated in order and the first that
 * matches decides (`evaluate.ts`); a trace no rule matches gets the default. A rule keeps what it matches unless
 * its `action` is `drop` (e.g. drop health checks before the probabilistic rule sees them).
 *
 *   { "name": "mine", "rules": [
 *       { "name": "errors", "type": "error" },
 *       { "name": "slow", "type": "latency", "quantile": 0.99 },          // or "thresholdMs": 500
 *       { "name": "health", "type": "attribute", "key": "http.route", "value": "/health", "action": "drop" },
 *       { "name": "checkout", "type": "attribute", "key": "http.route", "match": "^/checkout" },
 *       { "name": "cap", "type": "rate-limit", "tracesPerSecond": 50 },
 *       { "name": "rest", "type": "probabilistic", "rate": 0.01 } ],
 *     "default": "drop" }
 */

export type RuleAction = 'keep' | 'drop';

interface RuleBase {
  name: string;
  action: RuleAction;
}

/** Any span failed, by model/failure.ts (the one definition of error). */
export interface ErrorRule extends RuleBase {
  type: 'error';
}

/** The trace's duration is at least a fixed threshold, or at least the running quantile of its root operation. */
export interface LatencyRule extends RuleBase {
  type: 'latency';
  thresholdNs?: bigint;
  quantile?: number;
  /** Traces of a root operation seen before its quantile is trusted; until then every trace counts as slow. */
  minTraces: number;
}

/** A span or resource attribute equals `value` (compared as text), or matches the regular expression `match`. */
export interface AttributeRule extends RuleBase {
  type: 'attribute';
  key: string;
  value?: string;
  match?: RegExp;
}

/** A share of traces, chosen by trace ID (deterministic: the same trace gets the same decision everywhere). */
export interface ProbabilisticRule extends RuleBase {
  type: 'probabilistic';
  rate: number;
}

/** At most this many traces a second (a token bucket of one second's worth). */
export interface RateLimitRule extends RuleBase {
  type: 'rate-limit';
  tracesPerSecond: number;
}

export type Rule = ErrorRule | LatencyRule | AttributeRule | ProbabilisticRule | RateLimitRule;

export interface Policy {
  name: string;
  rules: readonly Rule[];
  default: RuleAction;
}

/** A policy file that cannot be used: the message names the rule and the field. */
export class PolicyError extends Error {
  override name = 'PolicyError';
}

/** 100 % of errored traces, 100 % of p99-slow traces, 1 % of the rest. */
export const STARTER_POLICY: Policy = Object.freeze({
  name: 'starter',
  rules: Object.freeze([
    { name: 'errors', type: 'error', action: 'keep' },
    { name: 'p99-slow', type: 'latency', quantile: 0.99, minTraces: 100, action: 'keep' },
    { name: 'one-percent', type: 'probabilistic', rate: 0.01, action: 'keep' },
  ] as Rule[]),
  default: 'drop',
});

const RULE_FIELDS: Record<Rule['type'], readonly string[]> = {
  error: [],
  latency: ['thresholdMs', 'quantile', 'minTraces'],
  attribute: ['key', 'value', 'match'],
  probabilistic: ['rate'],
  'rate-limit': ['tracesPerSecond'],
};

/** Parses and checks a policy (the parsed JSON of a policy file, or a posted one). */
export function parsePolicy(json: unknown, source = 'policy'): Policy {
  if (!isObject(json)) throw new PolicyError(`${source}: must be a JSON object with "rules"`);
  for (const k of Object.keys(json)) {
    if (!['name', 'rules', 'default'].includes(k)) throw new PolicyError(`${source}: unknown field "${k}" (name, rules, default)`);
  }
  const name = json.name === undefined ? 'custom' : text(json.name, `${source}: name`);
  if (!Array.isArray(json.rules)) throw new PolicyError(`${source}: "rules" must be an array of rules`);
  const names = new Set<string>();
  const rules = json.rules.map((r, i) => {
    const rule = parseRule(r, `${source}: rules[${i}]`);
    if (names.has(rule.name)) throw new PolicyError(`${source}: rules[${i}] (${rule.name}): the name is used by an earlier rule`);
    names.add(rule.name);
    return rule;
  });
  return { name, rules, default: action(json.default ?? 'drop', `${source}: default`) };
}

function parseRule(r: unknown, at: string): Rule {
  if (!isObject(r)) throw new PolicyError(`${at}: must be an object with "type"`);
  const type = r.type;
  if (typeof type !== 'string' || !(type in RULE_FIELDS)) {
    throw new PolicyError(`${at}: "type" must be one of ${Object.keys(RULE_FIELDS).join(', ')}`);
  }
  const t = type as Rule['type'];
  const name = r.name === undefined ? `${t}-${at.replace(/.*\[(\d+)\]$/, '$1')}` : text(r.name, `${at}: name`);
  const where = `${at} (${name})`;
  for (const k of Object.keys(r)) {
    if (!['type', 'name', 'action', ...RULE_FIELDS[t]].includes(k)) {
      throw new PolicyError(`${where}: unknown field "${k}" for a ${t} rule${RULE_FIELDS[t].length ? ` (${RULE_FIELDS[t].join(', ')})` : ''}`);
    }
  }
  const base = { name, action: action(r.action ?? 'keep', `${where}: action`) };
  switch (t) {
    case 'error':
      return { ...base, type: t };
    case 'latency': {
      const hasThreshold = r.thresholdMs !== undefined;
      if (hasThreshold === (r.quantile !== undefined)) throw new PolicyError(`${where}: give exactly one of "thresholdMs" and "quantile"`);
      const minTraces = r.minTraces === undefined ? 100 : int(r.minTraces, `${where}: minTraces`, 1);
      if (hasThreshold) {
        const ms = num(r.thresholdMs, `${where}: thresholdMs`);
        if (ms < 0) throw new PolicyError(`${where}: thresholdMs must be 0 or more`);
        return { ...base, type: t, thresholdNs: BigInt(Math.round(ms * 1e6)), minTraces };
      }
      const q = num(r.quantile, `${where}: quantile`);
      if (!(q > 0 && q < 1)) throw new PolicyError(`${where}: quantile must be between 0 and 1, e.g. 0.99`);
      return { ...base, type: t, quantile: q, minTraces };
    }
    case 'attribute': {
      const key = text(r.key, `${where}: key`);
      if (key === '') throw new PolicyError(`${where}: key must not be empty`);
      if ((r.value === undefined) === (r.match === undefined)) throw new PolicyError(`${where}: give exactly one of "value" and "match"`);
      if (r.value !== undefined) {
        if (!['string', 'number', 'boolean'].includes(typeof r.value)) throw new PolicyError(`${where}: value must be a string, number or boolean`);
        return { ...base, type: t, key, value: String(r.value) };
      }
      const src = text(r.match, `${where}: match`);
      const risk = backtrackRisk(src);
      if (risk) throw new PolicyError(`${where}: match: regular expressions with ${risk} are refused (they can take exponential time)`);
      try {
        return { ...base, type: t, key, match: new RegExp(src) };
      } catch (err) {
        throw new PolicyError(`${where}: match is not a regular expression: ${(err as Error).message}`);
      }
    }
    case 'probabilistic': {
      const rate = num(r.rate, `${where}: rate`);
      if (!(rate >= 0 && rate <= 1)) throw new PolicyError(`${where}: rate must be between 0 and 1 (0.01 = 1 %)`);
      return { ...base, type: t, rate };
    }
    case 'rate-limit': {
      const tps = num(r.tracesPerSecond, `${where}: tracesPerSecond`);
      if (!(tps > 0)) throw new PolicyError(`${where}: tracesPerSecond must be more than 0`);
      return { ...base, type: t, tracesPerSecond: tps };
    }
  }
}

/** The policy as JSON again (what /api/sampling shows, and what a policy file would hold). */
export function policyJson(p: Policy): object {
  return {
    name: p.name,
    rules: p.rules.map((r) => {
      const out: Record<string, unknown> = { name: r.name, type: r.type };
      if (r.type === 'latency') {
        if (r.thresholdNs !== undefined) out.thresholdMs = Number(r.thresholdNs) / 1e6;
        else out.quantile = r.quantile;
        out.minTraces = r.minTraces;
      } else if (r.type === 'attribute') {
        out.key = r.key;
        if (r.value !== undefined) out.value = r.value;
        else out.match = r.match!.source;
      } else if (r.type === 'probabilistic') out.rate = r.rate;
      else if (r.type === 'rate-limit') out.tracesPerSecond = r.tracesPerSecond;
      if (r.action !== 'keep') out.action = r.action;
      return out;
    }),
    default: p.default,
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: unknown, at: string): string {
  if (typeof v !== 'string') throw new PolicyError(`${at} must be a string`);
  return v;
}

function num(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new PolicyError(`${at} must be a number`);
  return v;
}

function int(v: unknown, at: string, min: number): number {
  const n = num(v, at);
  if (!Number.isInteger(n) || n < min) throw new PolicyError(`${at} must be a whole number, at least ${min}`);
  return n;
}

function action(v: unknown, at: string): RuleAction {
  if (v !== 'keep' && v !== 'drop') throw new PolicyError(`${at} must be "keep" or "drop"`);
  return v;
}
