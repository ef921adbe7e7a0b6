import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../../model/errors.js';
import { parseHeadRate, parseSimulatePolicy, policyJson, STARTER_POLICY } from '../../query/simulate.js';
import type { WebDeps } from '../plugin.js';
import { renderPage } from '../render.js';
import { pageWindow } from '../services/window.js';
import { simulateModel, windowOptions, type SimulateForm } from './simulate-view.js';

interface SimulateQuery {
  preset?: string;
  policy?: string;
  head?: string;
  window?: string;
  start?: string;
  end?: string;
}

const str = { type: 'string' } as const;
const STARTER_TEXT = JSON.stringify(policyJson(STARTER_POLICY), null, 2);

/**
 * /sampling/simulate: a GET form (policy picker or JSON, head rate, window) and the replay of the window's stored
 * traces, head sampling and the tail policy side by side (GET /api/sampling/simulate gives the same numbers).
 * Without parameters: the starter policy against head sampling at 1 % over the last hour. A policy that does not
 * parse is shown above the form (400), which keeps what was typed.
 */
export async function simulatePage(app: FastifyInstance, deps: WebDeps): Promise<void> {
  app.get<{ Querystring: SimulateQuery }>(
    '/sampling/simulate',
    { schema: { querystring: { type: 'object', properties: { preset: str, policy: str, head: str, window: str, start: str, end: str } } } },
    async (req, reply) => {
      const q = req.query;
      const custom = q.preset === 'custom';
      const form: SimulateForm = {
        preset: custom ? 'custom' : 'starter',
        policyText: custom ? (q.policy ?? '') : STARTER_TEXT,
        head: q.head === undefined ? '0.01' : q.head.trim(),
      };
      const page = { title: 'Sampling simulator', nav: 'sampling', styles: ['/static/services.css', '/static/simulate.css'], origin: `${req.protocol}://${req.headers.host}`, form };
      const views = { page: 'pages/sampling-simulate', fragment: 'partials/simulate-body' };
      try {
        const w = pageWindow(q, deps.now(), 'dependencies');
        const policy = custom ? parseSimulatePolicy(form.policyText === '' ? undefined : form.policyText) : STARTER_POLICY;
        const headRate = parseHeadRate(form.head);
        const sim = deps.query.simulateSampling({ policy, headRate, window: w });
        return renderPage(req, reply, views, { ...page, ...simulateModel(sim, form, w), error: '' });
      } catch (err) {
        if (!(err instanceof InvalidInputError)) throw err;
        reply.code(400);
        return renderPage(req, reply, views, { ...page, error: err.message, windowOptions: windowOptions(q.window ?? '1h'), custom: { start: q.start ?? '', end: q.end ?? '' } });
      }
    },
  );
}
