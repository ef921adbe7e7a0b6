import { describe, expect, it } from 'vitest';
import { timeAnalysis, UNTRACED_GAP, type TimeAnalysis } from '../../src/analysis/time.js';
import { buildTree } from '../../src/analysis/tree.js';
import { spans, type SpanSpec } from '../fixtures/analysis-spans.js';

function analyse(...specs: SpanSpec[]): TimeAnalysis {
  const result = timeAnalysis(buildTree(spans(...specs)));
  // The invariant every view relies on: both breakdowns account for the whole duration.
  const byService = result.timeByService.reduce((a, s) => a + s.selfMs, 0);
  const onPath = result.criticalPath.reduce((a, s) => a + s.ms, 0);
  const shares = result.timeByService.reduce((a, s) => a + s.share, 0);
  expect(byService).toBeCloseTo(result.durationMs, 6);
  expect(onPath).toBeCloseTo(result.durationMs, 6);
  if (result.durationMs > 0) expect(shares).toBeCloseTo(1, 9);
  return result;
}

const path = (r: TimeAnalysis) => r.criticalPath.map((s) => [s.spanId, s.ms]);
const services = (r: TimeAnalysis) => r.timeByService.map((s) => [s.service, s.selfMs, s.instrumented]);

describe('timeAnalysis', () => {
  it('walks a simple chain; a leaf database call counts for the database', () => {
    const r = analyse(
      { id: 'fe', service: 'frontend', name: 'GET /', kind: 'server', start: 0, end: 100 },
      { id: 'fc', parent: 'fe', service: 'frontend', kind: 'client', start: 10, end: 90 },
      { id: 'co', parent: 'fc', service: 'checkout', kind: 'server', start: 12, end: 88 },
      { id: 'db', parent: 'co', service: 'checkout', kind: 'client', start: 20, end: 60,
        attrs: { 'server.address': 'db', 'server.port': 5432 } },
    );
    expect(r.durationMs).toBe(100);
    expect(path(r)).toEqual([['fe', 10], ['fc', 2], ['co', 8], ['db', 40], ['co', 28], ['fc', 2], ['fe', 10]]);
    expect(r.criticalPath[0]).toEqual({ spanId: 'fe', service: 'frontend', name: 'GET /', ms: 10 });
    expect(services(r)).toEqual([['db:5432', 40, false], ['checkout', 36, true], ['frontend', 24, true]]);
    expect(r.timeByService[0].share).toBeCloseTo(0.4);
    expect(r.selfTimeMs).toEqual({ fe: 20, fc: 4, co: 36, db: 40 });
  });

  it('names the uninstrumented third-party API that took 70% of the request', () => {
    const r = analyse(
      { id: 'srv', service: 'checkout', name: 'POST /checkout', kind: 'server', start: 0, end: 2000 },
      { id: 'val', parent: 'srv', service: 'checkout', name: 'validate', start: 0, end: 300 },
      { id: 'stripe', parent: 'srv', service: 'checkout', name: 'POST', kind: 'client', start: 400, end: 1800,
        attrs: { 'server.address': 'api.stripe.com', 'server.port': 443 } },
    );
    expect(r.timeByService[0]).toEqual({ service: 'api.stripe.com:443', selfMs: 1400, share: 0.7, instrumented: false });
    expect(r.timeByService[1]).toMatchObject({ service: 'checkout', selfMs: 600, instrumented: true });
    expect(r.selfTimeMs.srv).toBe(300);
  });

  it('keeps a leaf call to a service that is traced elsewhere in the trace instrumented', () => {
    const r = analyse(
      { id: 'a', service: 'frontend', kind: 'server', start: 0, end: 100 },
      { id: 'b', parent: 'a', service: 'frontend', kind: 'client', start: 0, end: 50, attrs: { 'peer.service': 'frontend' } },
    );
    expect(services(r)).toEqual([['frontend', 100, true]]);
  });

  it('follows the last-finishing child through overlapping children', () => {
    const r = analyse(
      { id: 'p', service: 'api', kind: 'server', start: 0, end: 100 },
      { id: 'd', parent: 'p', service: 'api', start: 5, end: 25 },
      { id: 'a', parent: 'p', service: 'api', start: 10, end: 60 },
      { id: 'c', parent: 'p', service: 'api', start: 20, end: 40 },
      { id: 'b', parent: 'p', service: 'api', start: 30, end: 80 },
    );
    // b ends last; a and c overlap b's start so they are off the path; d ends before b starts.
    expect(path(r)).toEqual([['p', 5], ['d', 20], ['p', 5], ['b', 50], ['p', 20]]);
    expect(r.selfTimeMs.p).toBe(25);
  });

  it('clips a skewed child and an async child to the parent', () => {
    const r = analyse(
      { id: 'fe', service: 'frontend', kind: 'server', start: 0, end: 100 },
      { id: 'skew', parent: 'fe', service: 'payments', kind: 'server', start: -10, end: 50 },
      { id: 'mail', parent: 'fe', service: 'frontend', start: 90, end: 400 },
    );
    expect(r.durationMs).toBe(100);
    expect(path(r)).toEqual([['skew', 50], ['fe', 40], ['mail', 10]]);
    expect(r.selfTimeMs.fe).toBe(40);
    expect(r.selfTimeMs.mail).toBe(310);
  });

  it('uses a virtual root for several roots; the time between them is an untraced gap', () => {
    const r = analyse(
      { id: 'r1', service: 'frontend', start: 0, end: 40 },
      { id: 'r2', service: 'worker', start: 50, end: 60 },
    );
    expect(r.durationMs).toBe(60);
    expect(path(r)).toEqual([['r1', 40], ['', 10], ['r2', 10]]);
    expect(r.criticalPath[1]).toEqual({ spanId: '', service: UNTRACED_GAP, name: UNTRACED_GAP, ms: 10 });
    expect(services(r)).toEqual([['frontend', 40, true], [UNTRACED_GAP, 10, false], ['worker', 10, true]]);
  });

  it('covers orphans that outlast the root with the virtual root too', () => {
    const r = analyse(
      { id: 'fe', service: 'frontend', kind: 'server', start: 0, end: 100 },
      { id: 'inside', parent: 'lost1', service: 'inventory', kind: 'server', start: 10, end: 20 },
      { id: 'late', parent: 'lost2', service: 'mailer', kind: 'consumer', start: 110, end: 130 },
    );
    expect(r.durationMs).toBe(130);
    expect(path(r)).toEqual([['fe', 100], ['', 10], ['late', 20]]);
    expect(r.selfTimeMs.inside).toBe(10);
  });

  it('terminates on repaired cycles and self-parents', () => {
    const r = analyse(
      { id: 'a', parent: 'b', service: 'api', start: 0, end: 20 },
      { id: 'b', parent: 'a', service: 'api', start: 5, end: 10 },
      { id: 's', parent: 's', service: 'api', start: 30, end: 40 },
    );
    expect(r.durationMs).toBe(40);
    expect(path(r)).toEqual([['a', 5], ['b', 5], ['a', 10], ['', 10], ['s', 10]]);
  });

  it('gives zero and empty arrays for an empty trace', () => {
    expect(timeAnalysis(buildTree([]))).toEqual({ durationMs: 0, timeByService: [], selfTimeMs: {}, criticalPath: [] });
  });

  it('handles a zero-length root without dividing by zero', () => {
    const r = analyse({ id: 'z', service: 'api', start: 5, end: 5 });
    expect(r).toEqual({ durationMs: 0, timeByService: [], selfTimeMs: { z: 0 }, criticalPath: [] });
  });
});

describe('critical path with sub-millisecond overlap', () => {
  it('keeps a sequential call on the path when the next one started 0.3 ms before it ended', () => {
    const t = buildTree(spans(
      { id: 'root', service: 'checkout', kind: 'server', start: 0, end: 600 },
      { id: 'inv', parent: 'root', service: 'checkout', kind: 'client', start: 0, end: 100, attrs: { 'service.peer.name': 'inventory' } },
      { id: 'price', parent: 'root', service: 'checkout', kind: 'client', start: 99.7, end: 599, attrs: { 'service.peer.name': 'pricing-api' } },
    ));
    const a = timeAnalysis(t);
    // Before the tolerance, the path skipped 'inv' (it ends 0.3 ms after 'price' starts) and gave its time to root.
    expect(a.criticalPath.map((s) => [s.spanId, s.ms])).toEqual([['inv', 99.7], ['price', 499.3], ['root', 1]]);
    const byService = Object.fromEntries(a.timeByService.map((s) => [s.service, s.selfMs]));
    expect(byService['pricing-api']).toBeCloseTo(499.3, 6);
    expect(byService['inventory']).toBeCloseTo(99.7, 6);
    expect(a.timeByService.reduce((n, s) => n + s.selfMs, 0)).toBeCloseTo(a.durationMs, 6);
  });
});
