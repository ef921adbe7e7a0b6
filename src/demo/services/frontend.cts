/**
 * frontend: GET /. Calls checkout and legacy in parallel and answers 502 when checkout fails — the error a
 * user sees at the top, which did not originate here.
 */
import { call, send, serve, upstream } from './common.cjs';
import { startTracing } from './tracing.cjs';

const CHECKOUT = upstream('CHECKOUT_URL');
const LEGACY = upstream('LEGACY_URL');
const { http, shutdown } = startTracing();

serve(http, 'frontend', '/', async (req, res) => {
  if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/') return send(res, 404, { error: 'no such route' });
  const [checkout, stock] = await Promise.all([call(http, `${CHECKOUT}/checkout`), call(http, `${LEGACY}/stock`)]);
  if (checkout.status !== 200) return send(res, 502, { error: `checkout answered ${checkout.status}` });
  send(res, 200, { order: JSON.parse(checkout.body), stock: stock.status === 200 ? JSON.parse(stock.body) : null });
}, shutdown);
