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
});
