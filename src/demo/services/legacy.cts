/**
 * legacy: GET /stock. An older service with a hand-written client span and an HTTP client nobody
 * instrumented: its outgoing requests carry no traceparent. inventory therefore starts a NEW trace for this
 * call — the broken link tracelite finds (legacy → inventory) by matching this leaf CLIENT span to
 * inventory's root server span in the other trace.
 */
import { SpanKind, SpanStatusCode, context } from '@opentelemetry/api';
import { call, send, serve, upstream } from './common.cjs';
import { startTracing } from './tracing.cjs';

const INVENTORY = upstream('INVENTORY_URL');
const { http, tracer, shutdown } = startTracing({ outgoing: false });

serve(http, 'legacy', '/stock', async (req, res) => {
  if (req.method !== 'GET' || !(req.url ?? '').startsWith('/stock')) return send(res, 404, { error: 'no such route' });
  const url = new URL(`${INVENTORY}/items/apple`);
  const span = tracer.startSpan(
    'GET',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': 'GET',
        'url.full': url.href,
        'server.address': url.hostname,
        'server.port': Number(url.port),
      },
    },
    context.active(),
  );
  // The bug: the span exists, but nothing injects its context into the request's headers.
  const r = await call(http, url.href);
  span.setAttribute('http.response.status_code', r.status);
  if (r.status === 0 || r.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
  send(res, r.status === 200 ? 200 : 502, { stock: r.status === 200 ? JSON.parse(r.body) : null });
}, shutdown);

