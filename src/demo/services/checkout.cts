/**
 * checkout: GET /checkout. Looks up five items one after another (a sequential fan-out that could run in
 * parallel), asks the slow uninstrumented pricing-api for a quote, then charges payments. A failed charge
 * makes checkout answer 502.
 */
import { call, hostOf, send, serve, upstream } from './common.cjs';
import { startTracing } from './tracing.cjs';

const INVENTORY = upstream('INVENTORY_URL');
const PRICING = upstream('PRICING_URL');
const PAYMENTS = upstream('PAYMENTS_URL');
// pricing-api has no tracing, so checkout names it on its client spans (service.peer.name).
const { http, shutdown } = startTracing({ peers: { [hostOf(PRICING)]: 'pricing-api' } });

serve(http, 'checkout', '/checkout', async (req, res) => {
  if (req.method !== 'GET' || !(req.url ?? '').startsWith('/checkout')) return send(res, 404, { error: 'no such route' });
  const items = [];
  // The lesson: these five calls do not depend on each other, yet each waits for the previous one.
  for (const id of ['apple', 'bread', 'cheese', 'dates', 'eggs']) {
    const r = await call(http, `${INVENTORY}/items/${id}`);
    if (r.status !== 200) return send(res, 502, { error: `inventory answered ${r.status}` });
    items.push(JSON.parse(r.body));
  }
  const quote = await call(http, `${PRICING}/quote?items=${items.length}`);
  if (quote.status !== 200) return send(res, 502, { error: `pricing-api answered ${quote.status}` });
  const charge = await call(http, `${PAYMENTS}/charge`, 'POST', quote.body);
  if (charge.status !== 200) return send(res, 502, { error: `payments answered ${charge.status}` });
  send(res, 200, { items: items.length, quote: JSON.parse(quote.body) });
}, shutdown);
