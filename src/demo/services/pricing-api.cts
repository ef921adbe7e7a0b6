/**
 * pricing-api: a slow third party with NO tracing at all (no SDK, plain node:http), 300–600 ms a quote.
 * It appears in traces only through checkout's CLIENT span, which has no child: tracelite attributes that
 * time to pricing-api and marks it uninstrumented.
 */
import http = require('node:http');
import { between, send, serve, sleep } from './common.cjs';

serve(http, 'pricing-api', '/quote', async (req, res) => {
  if (req.method !== 'GET' || !(req.url ?? '').startsWith('/quote')) return send(res, 404, { error: 'no such route' });
  await sleep(between(300, 600));
  send(res, 200, { currency: 'EUR', total: between(1_000, 9_000) / 100 });
});
