import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../model/errors.js';
import { comparePage } from './compare/routes.js';
import { importPage } from './import/routes.js';
import { mapPage } from './map/routes.js';
import { webFoundation, type WebDeps } from './plugin.js';
import { samplingPage } from './sampling/routes.js';
import { searchPage } from './search/routes.js';
import { simulatePage } from './sampling/simulate-routes.js';
import { servicesPage } from './services/routes.js';
import { tracePage } from './trace/routes.js';
import { clearPage } from './admin/routes.js';
import { loginPage } from './auth/routes.js';

/** A page module: registers its routes in the web context, where reply.viewAsync and the CSP hook exist. */
export type WebPage = (app: FastifyInstance, deps: WebDeps) => Promise<void>;

/** Page modules, in menu order; each folder holds its routes and view models. */
const PAGES: WebPage[] = [searchPage, tracePage, servicesPage, mapPage, comparePage, importPage, samplingPage, simulatePage, clearPage, loginPage];

/** The HTML UI on the UI port. */
export async function webRoutes(app: FastifyInstance, deps: WebDeps): Promise<void> {
  await webFoundation(app);
  for (const page of PAGES) await page(app, deps);
  app.setNotFoundHandler(async (req) => {
    throw new NotFoundError(`There is no page at ${req.url.split('?')[0]}.`);
  });
}
