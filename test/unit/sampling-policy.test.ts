import { describe, expect, it } from 'vitest';
import { keptAtRate, PolicyEvaluator, traceFacts, type PolicyTrace } from '../../src/sampling/evaluate.js';
import { parsePolicy, policyJson, PolicyError, STARTER_POLICY } from '../../src/sampling/policy.js';

/** A deterministic stream of trace IDs (a 64-bit LCG), random in their low bits as SDK-generated IDs are. */
function* traceIds(seed = 1n): Generator<string> {
  let x = seed;
  for (;;) {
    x = (x * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    const y = (x * 2862933555777941757n + 3037000493n) & 0xffffffffffffffffn;
    yield x.toString(16).padStart(16, '0') + y.toString(16).padStart(16, '0');
  }
}

const MS = 1_000_000n;
const trace = (traceId: string, o: Partial<Omit<PolicyTrace, 'traceId'>> & { attrs?: Record<string, string[]> } = {}): PolicyTrace => ({
  traceId,
  error: o.error ?? false,
  durationNs: o.durationNs ?? 10n * MS,
  rootService: o.rootService ?? 'web',
  rootName: o.rootName ?? 'GET /',
  attribute: (k) => o.attrs?.[k] ?? [],
});

describe('policy files', () => {
  it('the starter policy reads back as the file that would say it', () => {
    expect(parsePolicy(policyJson(STARTER_POLICY))).toEqual(STARTER_POLICY);
    expect(policyJson(STARTER_POLICY)).toEqual({
      name: 'starter',
      rules: [
        { name: 'errors', type: 'error' },
        { name: 'p99-slow', type: 'latency', quantile: 0.99, minTraces: 100 },
        { name: 'one-percent', type: 'probabilistic', rate: 0.01 },
      ],
      default: 'drop',
    });
  });

  it('an invalid policy is refused with the rule and the field named', () => {
    const bad: Array<[unknown, RegExp]> = [
      [[], /^p: must be a JSON object with "rules"/],
      [{ rules: {} }, /^p: "rules" must be an array/],
      [{ rules: [], extra: 1 }, /^p: unknown field "extra"/],
      [{ rules: [{ type: 'sometimes' }] }, /^p: rules\[0\]: "type" must be one of error, latency, attribute, probabilistic, rate-limit/],
      [{ rules: [{ name: 'r', type: 'probabilistic' }] }, /^p: rules\[0\] \(r\): rate must be a number/],
      [{ rules: [{ name: 'r', type: 'probabilistic', rate: 2 }] }, /^p: rules\[0\] \(r\): rate must be between 0 and 1/],
      [{ rules: [{ name: 's', type: 'latency', quantile: 0.99, thresholdMs: 5 }] }, /^p: rules\[0\] \(s\): give exactly one of "thresholdMs" and "quantile"/],
      [{ rules: [{ name: 's', type: 'latency', quantile: 99 }] }, /quantile must be between 0 and 1/],
      [{ rules: [{ name: 'a', type: 'attribute', key: 'k', match: '(' }] }, /^p: rules\[0\] \(a\): match is not a regular expression/],
      [{ rules: [{ name: 'a', type: 'attribute', key: 'k' }] }, /give exactly one of "value" and "match"/],
      [{ rules: [{ name: 'a', type: 'attribute', key: 'k', match: '^(a+)+$' }] }, /^p: rules\[0\] \(a\): match: regular expressions with a repeated group that repeats inside are refused/],
      [{ rules: [{ name: 'e', type: 'error', rate: 1 }] }, /^p: rules\[0\] \(e\): unknown field "rate" for a error rule/],
      [{ rules: [{ name: 'x', type: 'error' }, { name: 'x', type: 'error' }] }, /^p: rules\[1\] \(x\): the name is used by an earlier rule/],
      [{ rules: [{ type: 'error', action: 'maybe' }] }, /action must be "keep" or "drop"/],
      [{ rules: [], default: 'some' }, /^p: default must be "keep" or "drop"/],
      [{ rules: [{ name: 'c', type: 'rate-limit', tracesPerSecond: 0 }] }, /tracesPerSecond must be more than 0/],
    ];
    for (const [json, message] of bad) expect(() => parsePolicy(json, 'p'), JSON.stringify(json)).toThrow(message);
    expect(() => parsePolicy({ rules: 1 }, 'p')).toThrow(PolicyError);
  });
});

describe('deciding a trace', () => {
  it('the first rule that matches decides; a drop rule drops what it matches; else the default', () => {
    const p = parsePolicy({
      rules: [
        { name: 'errors', type: 'error' },
        { name: 'health', type: 'attribute', key: 'http.route', value: '/health', action: 'drop' },
        { name: 'checkout', type: 'attribute', key: 'http.route', match: '^/checkout' },
        { name: 'slow', type: 'latency', thresholdMs: 500 },
      ],
      default: 'keep',
    });
    const e = new PolicyEvaluator(p);
    const ids = traceIds();
    const id = () => ids.next().value!;
    expect(e.decide(trace(id(), { error: true, attrs: { 'http.route': ['/health'] } }), 0)).toEqual({ keep: true, rule: 'errors' });
    expect(e.decide(trace(id(), { durationNs: 900n * MS, attrs: { 'http.route': ['/health'] } }), 0)).toEqual({ keep: false, rule: 'health' });
    expect(e.decide(trace(id(), { attrs: { 'http.route': ['/x', '/checkout/pay'] } }), 0)).toEqual({ keep: true, rule: 'checkout' });
    expect(e.decide(trace(id(), { durationNs: 500n * MS }), 0)).toEqual({ keep: true, rule: 'slow' });
    expect(e.decide(trace(id(), { durationNs: 499n * MS }), 0)).toEqual({ keep: true, rule: 'default' });
  });

  it('the facts of a trace: failed if any span failed, duration first start to last end, the root span named', () => {
    const span = (spanId: string, parentSpanId: string, start: bigint, end: bigint, error = false) =>
      ({ spanId, parentSpanId, name: `op-${spanId}`, service: `svc-${spanId}`, startTimeUnixNano: start, endTimeUnixNano: end, error });
    const t = traceFacts('t', [span('b', 'a', 5n, 40n, true), span('a', '', 10n, 30n), span('c', 'zz', 1n, 2n)], () => []);
    expect({ ...t, attribute: undefined }).toEqual({ traceId: 't', error: true, durationNs: 39n, rootService: 'svc-a', rootName: 'op-a', attribute: undefined });
    // No root arrived (only orphans): the earliest span stands for it.
    expect(traceFacts('t', [span('b', 'a', 5n, 40n), span('c', 'a', 1n, 2n)], () => []).rootName).toBe('op-c');
  });

  it('probabilistic: a function of the trace ID, a lower rate keeps a subset, the share is the rate', () => {
    const ids = traceIds(7n);
    let kept1 = 0;
    let kept10 = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const id = ids.next().value!;
      const a = keptAtRate(id, 0.01);
      const b = keptAtRate(id, 0.1);
      if (a) kept1++;
      if (b) kept10++;
      expect(!a || b).toBe(true);
      expect(keptAtRate(id, 0.01)).toBe(a);
    }
    // Binomial: sd = sqrt(n p (1-p)) ≈ 31 at 1 %, 95 at 10 %; six sd either side.
    expect(Math.abs(kept1 - 1_000)).toBeLessThan(190);
    expect(Math.abs(kept10 - 10_000)).toBeLessThan(570);
    // The randomness is the ID's last 56 bits, as OpenTelemetry's threshold sampling reads it.
    expect(keptAtRate('ffffffffffffffffff00000000000000', 0.5)).toBe(false);
    expect(keptAtRate('000000000000000000ffffffffffffff', 0.001)).toBe(true);
    expect(keptAtRate('000000000000000000ffffffffffffff', 0)).toBe(false);
  });

  it('rate limit: at most the rate, by the clock it is given', () => {
    const e = new PolicyEvaluator(parsePolicy({ rules: [{ name: 'cap', type: 'rate-limit', tracesPerSecond: 10 }] }));
    const ids = traceIds();
    let kept = 0;
    for (let ms = 0; ms < 5_000; ms += 10) if (e.decide(trace(ids.next().value!), ms).keep) kept++; // 100 traces/s for 5 s
    expect(kept).toBeGreaterThanOrEqual(50);
    expect(kept).toBeLessThanOrEqual(60); // 10 a second plus the first second's burst
  });

  it('p99: every trace is slow until 100 were seen, then those above the p99 of each root operation, adapting to change', () => {
    const e = new PolicyEvaluator(STARTER_POLICY);
    const ids = traceIds(3n);
    const slowRule = (d: bigint, rootName = 'GET /') => {
      const id = ids.next().value!;
      const r = e.decide(trace(id, { durationNs: d, rootName }), 0);
      return r.rule === 'p99-slow';
    };
    // The first 100 traces of an operation are all kept as slow.
    for (let i = 0; i < 100; i++) expect(slowRule(20n * MS)).toBe(true);
    // 99 % between 10 and 100 ms, 1 % between 500 ms and 1 s: after warm-up, all the slow ones and few others.
    let flagged = 0;
    let missed = 0;
    for (let i = 0; i < 20_000; i++) {
      const slow = i % 100 === 37;
      const d = slow ? 500n * MS + BigInt((i * 7919) % 500) * MS : 10n * MS + BigInt((i * 104729) % 90) * MS;
      const s = slowRule(d);
      if (i < 2_000) continue;
      if (s && !slow) flagged++;
      if (!s && slow) missed++;
    }
    // Every trace above the true p99 is slow; of the others, about what a p99 estimate 2 % wide lets in.
    expect(missed).toBe(0);
    expect(flagged).toBeLessThan(18_000 * 0.015);
    // Another operation has its own quantile (and its own warm-up).
    expect(slowRule(20n * MS, 'GET /other')).toBe(true);
    // Traffic gets 10x slower: after a few thousand traces, 200-1000 ms is normal and only the new tail is slow.
    let late = 0;
    for (let i = 0; i < 10_000; i++) {
      const d = 100n * MS + BigInt((i * 104729) % 900) * MS;
      if (slowRule(d) && i >= 8_000) late++;
    }
    expect(late).toBeGreaterThan(0);
    expect(late).toBeLessThan(2_000 * 0.03);
  });
});
