/**
 * payments: POST /charge. Every third charge fails: the "charge card" span records the exception and
 * status ERROR, and the handler answers 500. This is where the error originates; checkout and frontend
 * only pass it on as 502s.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import { between, send, serve, sleep } from './common.cjs';
import { startTracing } from './tracing.cjs';

const { http, tracer, shutdown } = startTracing();
let charges = 0;

serve(http, 'payments', '/charge', async (req, res) => {
  if (req.method !== 'POST' || req.url !== '/charge') return send(res, 404, { error: 'no such route' });
  req.resume();
  const n = ++charges; // taken now: other requests change the counter while this one waits
  // The card is charged inside an internal span of its own: that is where the error originates.
  const declined = await tracer.startActiveSpan('charge card', async (span) => {
    await sleep(between(10, 30));
    if (n % 3 !== 0) return span.end();
    const err = new Error(`card declined by issuer (charge #${n})`);
    err.name = 'CardDeclinedError';
    span.recordException(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    span.end();
    return err;
  });
  if (declined) return send(res, 500, { error: declined.message });
  send(res, 200, { charged: true, charge: n });
}, shutdown);
