import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../src/analysis/index.js';
import { buildTree } from '../../src/analysis/tree.js';
import { analysisPanel } from '../../src/web/trace/analysis-panel.js';
import { spanMatches } from '../../src/web/trace/find.js';
import { axisTicks, OPEN_DEPTH, ROW_BUDGET, rowContext, waterfallRows, type Item, type Row } from '../../src/web/trace/waterfall.js';
import { spans, TRACE_ID, type SpanSpec } from '../fixtures/analysis-spans.js';

const id = (n: number) => n.toString(16).padStart(16, '0');
const rowsOf = (items: Item[]): Row[] => items.flatMap((i) => (i.kind === 'row' ? [i, ...rowsOf(i.children)] : []));

function model(specs: SpanSpec[], opts = {}) {
  const s = spans(...specs);
  const tree = buildTree(s);
  const analysis = analyzeTrace(tree, []);
  const ctx = rowContext(tree, analysis, opts);
  return { tree, analysis, ctx, items: waterfallRows(tree, ctx) };
}

describe('waterfall view model', () => {
  it('positions bars on the trace axis and marks errors, critical path and self time', () => {
    const { items, ctx } = model([
      { id: id(1), service: 'web', start: 0, end: 100 },
      { id: id(2), parent: id(1), service: 'api', start: 50, end: 100, error: true },
    ]);
    const [root, child] = rowsOf(items);
    expect(root.barStyle).toMatch(/left: 0%; width: 100%/);
    expect(child.barStyle).toMatch(/left: 50%; width: 50%/);
    expect(child.error).toBe(true);
    expect(child.cls).toContain('err');
    expect(root.critical).toBe(true);
    expect(root.self).toBe('50 ms');
    expect(axisTicks(ctx).map((t) => t.label)).toEqual(['0 ms', '20 ms', '40 ms', '60 ms', '80 ms']);
  });

  it('renders wide fan-outs and deep chains within the budget, the rest behind placeholders', () => {
    const wide: SpanSpec[] = [{ id: id(1), service: 'job', start: 0, end: 1000 }];
    for (let i = 2; i < 2000; i++) wide.push({ id: id(i), parent: id(1), service: 'job', start: i / 4, end: i / 4 + 1 });
    const { items } = model(wide);
    expect(rowsOf(items)).toHaveLength(ROW_BUDGET);
    const root = items[0] as Row;
    expect(root.children.at(-1)).toMatchObject({ kind: 'more', count: 1999 - ROW_BUDGET });

    const deep: SpanSpec[] = [];
    for (let i = 1; i <= 40; i++) deep.push({ id: id(i), parent: i > 1 ? id(i - 1) : undefined, service: 'd', start: i, end: 100 - i });
    const chain = rowsOf(model(deep).items);
    expect(chain).toHaveLength(OPEN_DEPTH + 1);
    expect(chain.at(-1)!.state).toBe('lazy');
  });

  it('always renders the selected span and find matches, whatever the budget', () => {
    const wide: SpanSpec[] = [{ id: id(1), service: 'job', start: 0, end: 1000 }];
    for (let i = 2; i < 2000; i++) wide.push({ id: id(i), parent: id(1), service: 'job', name: i === 1999 ? 'needle' : 'hay', start: i / 4, end: i / 4 + 1 });
    const sel = rowsOf(model(wide, { selected: id(1500) }).items).find((r) => r.spanId === id(1500));
    expect(sel?.selected).toBe(true);
    const found = model(wide, { find: 'NEEDLE' });
    expect(found.ctx.matches.size).toBe(1);
    expect(rowsOf(found.items).find((r) => r.spanId === id(1999))?.match).toBe(true);
  });

  it('finds by name, service, attribute key and value', () => {
    const [s] = spans({ id: id(1), service: 'checkout', name: 'GET /cart', start: 0, end: 1, attrs: { 'user.id': 'u-42' } });
    for (const q of ['cart', 'CHECK', 'user.id', 'u-42']) expect(spanMatches(s, q), q).toBe(true);
    expect(spanMatches(s, 'nothing')).toBe(false);
  });

  it('links every analysis finding to its span', () => {
    const s = spans(
      { id: id(1), service: 'web', start: 0, end: 100, error: true },
      { id: id(2), parent: id(1), service: 'pay', start: 10, end: 90, error: true, exception: { type: 'Boom', message: 'bad' } },
    );
    const panel = analysisPanel(analyzeTrace(buildTree(s), []), (sid) => `/trace/${TRACE_ID}?span=${sid}`);
    expect(panel.rootCause?.href).toBe(`/trace/${TRACE_ID}?span=${id(2)}`);
    expect(panel.rootCause?.exception).toEqual({ type: 'Boom', message: 'bad' });
    expect(panel.time.map((t) => t.service).sort()).toEqual(['pay', 'web']);
  });

  it('draws the critical path as stretches of the bars whose ms add up to the path', () => {
    const { items, analysis } = model([
      { id: id(1), service: 'web', start: 0, end: 100 },
      { id: id(2), parent: id(1), service: 'api', start: 10, end: 40 },
      { id: id(3), parent: id(1), service: 'db', start: 20, end: 90 },
    ]);
    const rows = rowsOf(items);
    const root = rows.find((r) => r.spanId === id(1))!;
    // The root waits on db from 20 to 90 ms: its own stretches are 0–20 and 90–100.
    expect(root.crit.map((c) => c.ms)).toEqual([20, 10]);
    expect(root.crit[0].style).toBe('left: 0%; width: 20%');
    expect(root.crit[1].style).toBe('left: 90%; width: 10%');
    expect(rows.find((r) => r.spanId === id(2))!.crit).toEqual([]);
    const total = rows.flatMap((r) => r.crit).reduce((t, c) => t + c.ms, 0);
    expect(total).toBeCloseTo(analysis.criticalPath.reduce((t, p) => t + p.ms, 0), 9);
  });

  it("never paints a parent's children's time as its own: narrow stretches are counted, not drawn wider", () => {
    // A parent making 100 calls one after another, 0.05 ms apart: 101 stretches of its own.
    const specs: SpanSpec[] = [{ id: id(1), service: 'job', start: 0, end: 100.05 * 100 + 0.05 }];
    for (let i = 0; i < 100; i++) specs.push({ id: id(2 + i), parent: id(1), service: 'db', start: i * 100.05 + 0.05, end: (i + 1) * 100.05 });
    const { items, analysis } = model(specs);
    const root = rowsOf(items)[0];
    expect(root.crit.length).toBeLessThanOrEqual(16);
    const widths = root.crit.map((c) => Number(/width: ([\d.]+)%/.exec(c.style)![1]));
    // Each band is as wide as its own ms, nothing more (0.05 ms of 10 s is 0.0005 %).
    root.crit.forEach((c, i) => expect(widths[i]).toBeLessThanOrEqual((c.ms / 10005.05) * 100 + 0.001));
    const onPath = analysis.criticalPath.filter((p) => p.spanId === id(1)).reduce((t, p) => t + p.ms, 0);
    expect(root.crit.reduce((t, c) => t + c.ms, 0) + root.critRestMs).toBeCloseTo(onPath, 6);
  });

  it('plans rows breadth first: a level opens whole or stays closed, each closed subtree summarised', () => {
    const specs: SpanSpec[] = [{ id: id(1), service: 'job', start: 0, end: 1000 }];
    let n = 100;
    for (let i = 0; i < 10; i++) {
      specs.push({ id: id(2 + i), parent: id(1), service: 'job', start: i * 100, end: i * 100 + 90 });
      for (let j = 0; j < 40; j++) specs.push({ id: id(n++), parent: id(2 + i), service: 'db', start: i * 100 + j, end: i * 100 + j + 1, error: j === 0 && i === 9 });
    }
    const rows = rowsOf(model(specs).items);
    expect(rows).toHaveLength(11);
    for (const r of rows.slice(1)) expect(r.state).toBe('lazy');
    expect(rows[1].summary).toBe('40 spans below');
    expect(rows[10].summary).toBe('40 spans below, 1 error');
    expect(rows[10].duration).toBe('90 ms · 40 spans below, 1 error');
  });

  it('zooms to a window: bars clipped to it, ticks labelled from the trace start, spans outside dimmed', () => {
    const { items, ctx } = model(
      [
        { id: id(1), service: 'web', start: 0, end: 100 },
        { id: id(2), parent: id(1), service: 'api', start: 5, end: 15 },
        { id: id(3), parent: id(1), service: 'api', start: 60, end: 80 },
      ],
      { from: 50, to: 100 },
    );
    const rows = rowsOf(items);
    expect(axisTicks(ctx).map((t) => t.label)).toEqual(['50 ms', '60 ms', '70 ms', '80 ms', '90 ms']);
    expect(rows[2].barStyle).toMatch(/left: 20%; width: 40%/);
    expect(rows[1].cls).toContain('out');
    expect(rows[0].barStyle).toMatch(/left: 0%; width: 100%/);
  });
});
