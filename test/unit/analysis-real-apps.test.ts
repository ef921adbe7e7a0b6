import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFanOuts } from '../../src/analysis/fanout.js';
import { findRootCause } from '../../src/analysis/rootcause.js';
import { buildTree } from '../../src/analysis/tree.js';
import { spanFailed } from '../../src/model/failure.js';
import { SPAN_KIND_NAMES, SpanKind, StatusCode, type Span, type SpanKindName } from '../../src/model/span.js';
import type { SpanJson, TraceJson } from '../fixtures/real-apps/spawn.js';

// The root cause and fan-out rules on traces captured from real Express 5 and Fastify services run with the
// newcomer's auto-instrumentation (test/fixtures/real-apps/*.json, written by the lessons-*.test.ts e2e tests).

const DIR = path.join(import.meta.dirname, '../fixtures/real-apps');

function load(name: string): Span[] {
  const trace = JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8')) as TraceJson;
  return trace.spans.map(toSpan);
}

function toSpan(s: SpanJson & { flags?: number; traceState?: string }): Span {
  const kind = SPAN_KIND_NAMES.indexOf(s.kind as SpanKindName);
  const statusCode = s.status.code === 'error' ? StatusCode.ERROR : s.status.code === 'ok' ? StatusCode.OK : StatusCode.UNSET;
  const attributes = s.attributes as Span['attributes'];
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    traceState: s.traceState ?? '',
    flags: s.flags ?? 1,
    name: s.name,
    kind,
    service: s.service,
    startTimeUnixNano: BigInt(s.startTimeUnixNano),
    endTimeUnixNano: BigInt(s.endTimeUnixNano),
    attributes,
    droppedAttributesCount: 0,
    events: s.events.map((e) => ({ ...e, timeUnixNano: BigInt(e.timeUnixNano), attributes: e.attributes as Span['attributes'], droppedAttributesCount: 0 })),
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    statusCode,
    statusMessage: s.status.message,
    error: s.error ?? spanFailed({ kind, statusCode, attributes }),
    resource: { attributes: { 'service.name': s.service }, droppedAttributesCount: 0 },
    scope: { name: 'real-apps', version: '1', attributes: {}, droppedAttributesCount: 0 },
  };
}

const analyse = (name: string) => {
  const tree = buildTree(load(name));
  return { tree, rootCause: findRootCause(tree), fanOut: findFanOuts(tree) };
};
const fold = (xs: string[]) => xs.filter((x, i) => i === 0 || xs[i - 1] !== x);

describe('root cause on real traces', () => {
  it('Express web → orders → payment: payment\'s request handler, its exception, 500 → 502 → 502', () => {
    const { rootCause: rc, tree } = analyse('express-chain');
    expect(rc).toMatchObject({
      service: 'payment',
      name: 'request handler - /charge',
      exception: { type: 'CardDeclinedError', message: 'card declined for amount 1999' },
      handledBy: null,
    });
    expect(fold(rc!.chain.map((h) => h.service))).toEqual(['payment', 'orders', 'web']);
    const servers = rc!.chain.filter((h) => tree.nodes.get(h.spanId)!.span.kind === SpanKind.SERVER);
    expect(servers.map((h) => [h.service, h.httpStatus])).toEqual([['payment', 500], ['orders', 502], ['web', 502]]);
    expect(rc!.message).toBe(
      'The error started in payment (request handler - /charge: card declined for amount 1999), which answered 500, ' +
        'and travelled up through orders (502) to web (502).',
    );
  });

  it('Fastify web → orders → payment: payment\'s SERVER span, with the exception recorded on it', () => {
    const { rootCause: rc, tree } = analyse('fastify-chain');
    expect(rc).toMatchObject({ service: 'payment', exception: { type: 'CardDeclinedError' }, handledBy: null });
    expect(tree.nodes.get(rc!.spanId)!.span.kind).toBe(SpanKind.SERVER);
    expect(fold(rc!.chain.map((h) => h.service))).toEqual(['payment', 'orders', 'web']);
  });

  it('Express retry that succeeds: flaky\'s error, handled by web, and web is not presented as failing', () => {
    const { rootCause: rc, fanOut } = analyse('express-retry');
    expect(rc).toMatchObject({ service: 'flaky', exception: { type: 'UpstreamTimeoutError' }, handledBy: { service: 'web' } });
    expect(rc!.message).toMatch(/; web handled it: its call got 500, but GET \/quote did not fail\.$/);
    // Two attempts of one call are a retry, not an N+1 loop to batch.
    expect(fanOut).toEqual([]);
  });
});

describe('fan-out on a real trace', () => {
  it('Express shop: 5 sequential calls to inventory first, then the calls to different services; none overlap', () => {
    const { fanOut, tree } = analyse('express-fanout');
    expect(fanOut.map((f) => [f.kind, f.calls, f.targets])).toEqual([
      ['repeated', 5, ['inventory']],
      ['sequential', 7, ['inventory', 'pricing', 'payments']],
    ]);
    expect(fanOut[0]).toMatchObject({ operation: 'GET /items/:id', name: 'request handler - /checkout' });
    for (const f of fanOut) {
      expect(f.couldSaveMs).toBeGreaterThan(0);
      expect(f.rounds).toBe(f.calls);
      expect(f.callSpanIds.every((id) => tree.nodes.get(id)?.span.kind === SpanKind.CLIENT)).toBe(true);
    }
    expect(fanOut[0].message).toMatch(/^shop made 5 sequential GET \/items\/:id calls to inventory \(\d+ ms\): batch them or run them concurrently to save up to \d+ ms\.$/);
    expect(fanOut[1].message).toMatch(/^shop called inventory 5 times, pricing and payments, one after another \(\d+ ms\): if these calls do not depend on each other/);
  });
});
