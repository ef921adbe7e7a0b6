import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../plugin.js';

/** The services page: being built. */
export async function servicesPage(_app: FastifyInstance, _deps: WebDeps): Promise<void> {}
