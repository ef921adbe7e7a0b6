import { describe, expect, it } from 'vitest';
import type { TraceSummary } from '../../src/model/query.js';
import { parseSearch, readForm, searchHref } from '../../src/web/search/form.js';
import { newTracesText, resultsModel, sortTraces } from '../../src/web/search/results.js';
import { niceCeil, scatterModel } from '../../src/web/search/scatter.js';

const MS = 1_000_000n;
const T = 1_700_000_000_000n * MS;
const trace = (n: number, durMs: number, spans = 3, errors = 0): TraceSummary => ({
  traceId: n.toString(16).padStart(32, '0'),
  rootService: 'web',
  rootName: `op ${n}`,
  startTimeUnixNano: T + BigInt(n) * 1000n * MS,
  durationNs: BigInt(durMs) * MS,
  spanCount: spans,
  errorCount: errors,
  services: ['web', 'db'],
});

describe('search form', () => {
  it('treats empty fields as unset and keeps links short', () => {
    const form = readForm({ service: '', operation: ' ', attr: ['', 'a=b'], minDuration: '', range: 'all', limit: '' });
    expect(form.attrs).toEqual(['a=b']);
    expect(searchHref(form)).toBe('/?attr=a%3Db');
    expect(searchHref(form, { sort: 'slowest' })).toBe('/?attr=a%3Db&sort=slowest');
  });

  it('resolves presets against now and reads datetime-local input as UTC', () => {
    const preset = parseSearch({ range: '15m' }, 1_000_000_000);
    expect(preset.api.get('start')).toBe(String(1_000_000_000 - 900_000));
    expect(preset.query?.startNs).toBe(BigInt(1_000_000_000 - 900_000) * MS);
    const custom = parseSearch({ range: 'custom', start: '2026-01-02T15:04' }, 0);
    expect(custom.api.get('start')).toBe('2026-01-02T15:04:00Z');
    expect(custom.query?.startNs).toBe(BigInt(Date.parse('2026-01-02T15:04:00Z')) * MS);
  });

  it('reports the parameter at fault rather than throwing', () => {
    expect(parseSearch({ maxDuration: '5' }, 0).error?.param).toBe('maxDuration');
    expect(parseSearch({ range: 'week' }, 0).error?.param).toBe('range');
    expect(parseSearch({ minDuration: '2s', maxDuration: '1s' }, 0).error?.message).toMatch(/maxDuration/);
  });
});

describe('results view model', () => {
  it('scales bars to the slowest, sorts the page, and offers the older page', () => {
    const fetched = [trace(5, 100), trace(4, 400, 9, 1), trace(3, 200), trace(2, 50)];
    const page = { traces: fetched.slice(0, 3), next: { startNs: fetched[2].startTimeUnixNano, traceId: fetched[2].traceId } };
    const m = resultsModel(readForm({}), page, { nowMs: Number((T + 65_000n * MS) / MS), storeIsEmpty: false });
    expect(m.rows.map((r) => r.barStyle)).toEqual(['width: 25.0%', 'width: 100.0%', 'width: 50.0%']);
    expect(m.rows[0].startRelative).toBe('1 min ago');
    expect(m.olderHref).toMatch(/^\/\?cursor=/);
    expect(m.pollHref).toBe(`/search/new?since=${T + 5000n * MS}`);
    expect(sortTraces(fetched, 'slowest')[0].durationNs).toBe(400n * MS);
    expect(sortTraces(fetched, 'spans')[0].spanCount).toBe(9);
  });

  it('tells an empty store from a search without matches', () => {
    const form = readForm({});
    expect(resultsModel(form, { traces: [] }, { nowMs: 0, storeIsEmpty: true }).empty).toBe('no-data');
    expect(resultsModel(form, { traces: [] }, { nowMs: 0, storeIsEmpty: false }).empty).toBe('no-match');
  });

  it('announces new traces with a cap', () => {
    expect(newTracesText(0, false)).toBe('');
    expect(newTracesText(1, false)).toBe('1 new trace');
    expect(newTracesText(12, false)).toBe('12 new traces');
    expect(newTracesText(100, true)).toBe('100+ new traces');
  });
});

describe('scatter plot', () => {
  it('places dots inside the plot, errors marked, sized by span count, with readable ticks', () => {
    const s = scatterModel([trace(0, 10, 1), trace(30, 480, 100, 2)])!;
    const [a, b] = s.dots;
    expect(a.cx).toBe(s.plot.left);
    expect(b.cx).toBe(s.plot.right);
    expect(a.cy).toBeGreaterThan(b.cy);
    expect(b.cls).toBe('dot error');
    expect(b.r).toBeGreaterThan(a.r);
    expect(s.yTicks.map((t) => t.label)).toEqual(['0', '200 ms', '400 ms', '600 ms']);
    expect(s.xTicks.length).toBeGreaterThanOrEqual(3);
    expect(s.xTicks[0].label).toMatch(/^\d{2}:\d{2}:\d{2}$/);
  });

  it('has a legend: the root services most plotted first, then a count of the rest; the error mark when any', () => {
    const of = (service: string, n: number, errors = 0) => ({ ...trace(n, 10, 3, errors), rootService: service });
    const few = scatterModel([of('web', 1), of('api', 2), of('api', 3)])!;
    expect(few.legend.services.map((s) => s.name)).toEqual(['api', 'web']);
    expect(few.legend.services[0].style).toMatch(/^--hue: \d+$/);
    expect(few.legend).toMatchObject({ more: '', errors: false });
    const many = scatterModel(Array.from({ length: 13 }, (_, i) => of(`svc-${String(i).padStart(2, '0')}`, i, i === 4 ? 1 : 0)))!;
    expect(many.legend.services).toHaveLength(10);
    expect(many.legend).toMatchObject({ more: '+3 more', errors: true });
  });

  it('gives a lone trace a second-wide axis, and nothing for no traces', () => {
    expect(scatterModel([])).toBeNull();
    const s = scatterModel([trace(1, 5)])!;
    expect(s.dots[0].cx).toBe((s.plot.left + s.plot.right) / 2);
  });

  it('rounds up to 1, 2 or 5 × 10^k', () => {
    expect([0.7, 1, 1.1, 3, 7, 120].map(niceCeil)).toEqual([1, 1, 2, 5, 10, 200]);
  });
});
