import type { FastifyInstance } from 'fastify';
import type { SamplingStats, SamplingStatus } from '../model/sampling-ports.js';
import { jsonErrorHandler } from './errors.js';

/** GET /api/sampling's answer: `enabled` false (and nothing else) when sampling is off. */
export type SamplingJson = ({ enabled: true } & SamplingStats) | { enabled: false; policy: null };

/**
 * GET /api/sampling: the active tail-sampling policy (as a policy file would say it) and the sampler's counters —
 * traces seen, kept, dropped and buffered, per rule, why they were decided when they were (early = buffer full),
 * late spans, buffer use and the writes of kept traces. The data of the Sampling page.
 */
export async function samplingRoutes(app: FastifyInstance, opts: { sampling: SamplingStatus }): Promise<void> {
  jsonErrorHandler(app);
  app.get('/sampling', { schema: {} }, async (): Promise<SamplingJson> => samplingJson(opts.sampling));
}

export function samplingJson(sampling: SamplingStatus): SamplingJson {
  const stats = sampling.stats();
  return stats ? { enabled: true, ...stats } : { enabled: false, policy: null };
}
