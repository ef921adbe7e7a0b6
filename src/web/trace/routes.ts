import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../plugin.js';

/** The trace page: being built. */
export async function tracePage(_app: FastifyInstance, _deps: WebDeps): Promise<void> {}
