import type { FastifyInstance } from 'fastify';
import type { WebDeps } from '../plugin.js';

/** The map page: being built. */
export async function mapPage(_app: FastifyInstance, _deps: WebDeps): Promise<void> {}
