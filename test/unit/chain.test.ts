import { describe, expect, it } from 'vitest';
import { checkChain, servicePaths } from '../../src/analysis/chain.js';
import { findPropagationProblems } from '../../src/analysis/propagation.js';
import { legacyScenario, span, treeOf } from '../fixtures/propagation-spans.js';

/** frontend → gateway → checkout → {payments, inventory → inventory-db}; checkout also calls itself internally. */
function shop() {
  return treeOf([
    span({ trace: 1, id: 'fe', service: 'frontend', kind: 2, start: 0, duration: 100 }),
    span({ trace: 1, id: 'gw', parent: 'fe', service: 'gateway', kind: 2, start: 1, duration: 98 }),
    span({ trace: 1, id: 'co', parent: 'gw', service: 'checkout', kind: 2, start: 2, duration: 96 }),
    span({ trace: 1, id: 'co-int', parent: 'co', service: 'checkout', start: 3, duration: 90 }),
    span({ trace: 1, id: 'pay', parent: 'co-int', service: 'payments', kind: 2, start: 4, duration: 20 }),
    span({ trace: 1, id: 'inv', parent: 'co-int', service: 'inventory', kind: 2, start: 30, duration: 20 }),
    span({ trace: 1, id: 'inv-db', parent: 'inv', service: 'inventory', kind: 3, start: 31, duration: 5 }),
  ]);
}

describe('servicePaths', () => {
  it('folds consecutive repeats and lists each root-to-leaf path once', () => {
    expect(servicePaths(shop())).toEqual([
      ['frontend', 'gateway', 'checkout', 'payments'],
      ['frontend', 'gateway', 'checkout', 'inventory'],
    ]);
  });
});

describe('checkChain', () => {
  it('is ok when one path has the services in order', () => {
    const r = checkChain(shop(), ['frontend', 'gateway', 'checkout', 'inventory'], []);
    expect(r).toMatchObject({ ok: true, missing: [] });
    expect(r.paths).toHaveLength(2);
  });

  it('allows services in between (a gateway or proxy need not be listed)', () => {
    expect(checkChain(shop(), ['frontend', 'payments'], []).ok).toBe(true);
    expect(checkChain(shop(), ['checkout'], []).ok).toBe(true);
  });

  it('explains a hop that continued in another trace with the broken link', () => {
    const { trace1, trace2 } = legacyScenario();
    const tree = treeOf(trace1);
    const broken = findPropagationProblems(tree, [trace2[0]]).brokenLinks;
    const r = checkChain(tree, ['frontend', 'legacy', 'inventory'], broken);
    expect(r.ok).toBe(false);
    expect(r.paths).toEqual([['frontend', 'legacy']]);
    expect(r.missing).toEqual([
      {
        from: 'legacy',
        to: 'inventory',
        reason:
          'legacy made a call to 127.0.0.1:3003 that continued in another trace (inventory, 00000000…): ' +
          'legacy does not forward traceparent',
      },
    ]);
  });

  it('says when a service has no span in the trace', () => {
    const r = checkChain(shop(), ['frontend', 'checkout', 'shipping'], []);
    expect(r.missing).toEqual([{ from: 'checkout', to: 'shipping', reason: 'no span of shipping in this trace' }]);
    const first = checkChain(shop(), ['mobile', 'frontend'], []);
    expect(first.missing).toEqual([{ from: '', to: 'mobile', reason: 'no span of mobile in this trace' }]);
  });

  it('says when a service is present but not called from the expected one', () => {
    const r = checkChain(shop(), ['frontend', 'payments', 'inventory'], []);
    expect(r.ok).toBe(false);
    expect(r.missing).toEqual([{ from: 'payments', to: 'inventory', reason: 'inventory is in this trace but not called from payments' }]);
  });

  it('names the first break of the path that got furthest', () => {
    const r = checkChain(shop(), ['frontend', 'checkout', 'inventory', 'search', 'ads'], []);
    expect(r.missing).toEqual([{ from: 'inventory', to: 'search', reason: 'no span of search in this trace' }]);
  });

  it('prefers a broken link to the expected service over another one from the same caller', () => {
    const { trace1 } = legacyScenario();
    const tree = treeOf(trace1);
    const link = (toService: string, target: string) => ({
      fromService: 'legacy', toService, clientSpanId: 'x', matchedTraceId: 'f'.repeat(32), matchedSpanId: 'y', target, message: '',
    });
    const r = checkChain(tree, ['legacy', 'inventory'], [link('audit', 'audit:1'), link('inventory', 'inv:2')]);
    expect(r.missing[0].reason).toMatch(/^legacy made a call to inv:2 that continued in another trace \(inventory/);
  });
});
