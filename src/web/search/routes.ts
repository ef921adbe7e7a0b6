import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../plugin.js';

/** The search page: being built. */
export async function searchPage(_app: FastifyInstance, _deps: WebDeps): Promise<void> {}
