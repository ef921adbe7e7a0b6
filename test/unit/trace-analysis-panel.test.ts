import { describe, expect, it } from 'vitest';
import { analyzeTrace } from '../../src/analysis/index.js';
import { buildTree } from '../../src/analysis/tree.js';
import { analysisPanel } from '../../src/web/trace/analysis-panel.js';
import { expressRequest, httpCall, spans, TRACE_ID, type SpanSpec } from '../fixtures/analysis-spans.js';

// The trace page's analysis panel view model: fan-out findings under their own headings, a handled error
// worded as handled, every finding linked to its span.

const href = (id: string) => `/trace/${TRACE_ID}?span=${id}`;
const panelOf = (...specs: SpanSpec[]) => analysisPanel(analyzeTrace(buildTree(spans(...specs)), []), href);

describe('analysis panel', () => {
  it('lists repeated calls and sequential calls to different services apart, each linked to the calling span', () => {
    const p = panelOf(
      ...expressRequest({ id: 'co', service: 'checkout', route: '/checkout', start: 0, end: 300, status: 200 }),
      ...[1, 2, 3].map((n) => httpCall({ id: `i${n}`, parent: 'co-h', service: 'checkout', url: `http://127.0.0.1:3003/items/${n}`,
        start: 10 * n, end: 10 * n + 10, status: 200, attrs: { 'service.peer.name': 'inventory' } })),
      httpCall({ id: 'q', parent: 'co-h', service: 'checkout', url: 'http://127.0.0.1:3004/quote', start: 40, end: 240, status: 200,
        attrs: { 'service.peer.name': 'pricing-api' } }),
    );
    expect(p.repeated).toEqual([{
      message: 'checkout made 3 sequential GET /items/{id} calls to inventory (30 ms): batch them or run them concurrently to save up to 20 ms.',
      href: href('co-h'),
    }]);
    expect(p.sequential.map((f) => f.href)).toEqual([href('co-h')]);
    expect(p.sequential[0].message).toMatch(/^checkout called inventory 3 times and pricing-api, one after another \(230 ms\): if these calls do not depend/);
    expect([p.moreRepeated, p.moreSequential, p.clean]).toEqual([0, 0, false]);
  });

  it('gives no fan-out finding for calls that already run concurrently', () => {
    const p = panelOf(
      { id: 'fe', service: 'frontend', name: 'GET /', kind: 'server', start: 0, end: 100 },
      httpCall({ id: 'a', parent: 'fe', service: 'frontend', url: 'http://127.0.0.1:3001/checkout', start: 1, end: 90, status: 200 }),
      httpCall({ id: 'b', parent: 'fe', service: 'frontend', url: 'http://127.0.0.1:3002/stock', start: 1, end: 40, status: 200 }),
    );
    expect([p.repeated, p.sequential, p.clean]).toEqual([[], [], true]);
  });

  it('words an error that was handled as handled, and names who handled it', () => {
    const p = panelOf(
      ...expressRequest({ id: 'web', service: 'web', route: '/quote', start: 0, end: 200, status: 200 }),
      httpCall({ id: 'try1', parent: 'web-h', service: 'web', url: 'http://127.0.0.1:3001/quote', start: 10, end: 60, status: 500 }),
      ...expressRequest({ id: 'f1', parent: 'try1', service: 'flaky', route: '/quote', start: 12, end: 58, status: 500,
        handler: { status: 'error', exception: { type: 'UpstreamTimeoutError', message: 'timed out' } } }),
      httpCall({ id: 'try2', parent: 'web-h', service: 'web', url: 'http://127.0.0.1:3001/quote', start: 70, end: 120, status: 200 }),
    );
    expect(p.rootCause).toMatchObject({
      heading: 'An error that was handled',
      headingClass: 'h-warn',
      href: href('f1-h'),
      exception: { type: 'UpstreamTimeoutError', message: 'timed out' },
      handledBy: { service: 'web', name: 'request handler - /quote', href: href('web-h') },
      others: '',
    });
    expect(p.rootCause?.chain.map((h) => [h.service, h.status, h.originated])).toEqual([
      ['flaky', 'error', true], ['flaky', '500', false], ['web', '500', false],
    ]);
    expect(p.rootCause?.message).toMatch(/web handled it: its call got 500, but GET \/quote did not fail\.$/);
  });

  it('heads an error that reached the top "Why it failed", and counts the errored spans off its path', () => {
    const p = panelOf(
      ...expressRequest({ id: 'api', service: 'api', route: '/', start: 0, end: 100, status: 500 }),
      { ...httpCall({ id: 'cache', parent: 'api-h', service: 'api', url: 'http://127.0.0.1:6379/', start: 1, end: 10 }), error: true },
      { ...httpCall({ id: 'db', parent: 'api-h', service: 'api', url: 'http://127.0.0.1:5432/', start: 20, end: 90 }), error: true },
    );
    expect(p.rootCause).toMatchObject({ heading: 'Why it failed', headingClass: 'h-error', handledBy: null });
    expect(p.rootCause?.others).toBe('1 more errored span is not on this path; it is marked in the waterfall.');
  });
});
