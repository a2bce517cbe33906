/**
 * DigitalOcean Function `fleetplane/templates`: GET /templates, and below it the OpenAPI
 * document and docs page (…/templates/openapi.json, …/templates/docs), since every function
 * has a URL of its own.
 */
import { Hono } from 'hono';
import { docsRoutes } from '../api/docs-routes.ts';
import { templatesRoutes } from '../api/routes/templates.ts';
import { DIGITALOCEAN_LIMITS } from '../core/request-limits.ts';
import { VERSION } from '../version.ts';
import { doMain } from './do-adapter.ts';
import { functionApp } from './function-app.ts';

const app = functionApp(() => [
  templatesRoutes(),
  new Hono().route('/templates', docsRoutes(VERSION, DIGITALOCEAN_LIMITS)),
]);
export const main = doMain('/templates', app);
