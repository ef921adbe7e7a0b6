/** inventory: GET /items/{id}, 20–40 ms each. Called by checkout (in its trace) and by legacy (in a new trace). */
import { between, send, serve, sleep } from './common.cjs';
import { startTracing } from './tracing.cjs';

const { http, shutdown } = startTracing();

serve(http, 'inventory', '/items/{id}', async (req, res) => {
  const m = /^\/items\/(\w+)$/.exec(req.url ?? '');
  if (req.method !== 'GET' || !m) return send(res, 404, { error: 'no such route' });
  await sleep(between(20, 40));
  send(res, 200, { id: m[1], inStock: between(0, 20) });
}, shutdown);
