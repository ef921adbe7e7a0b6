import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../plugin.js';

/** The compare page: being built. */
export async function comparePage(_app: FastifyInstance, _deps: WebDeps): Promise<void> {}
