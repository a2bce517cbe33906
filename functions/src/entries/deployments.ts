/** DigitalOcean Function `fleetplane/deployments`: /deployments and everything below it. */
import { deploymentsRoutes } from '../api/routes/deployments.ts';
import { DIGITALOCEAN_LIMITS } from '../core/request-limits.ts';
import { doMain } from './do-adapter.ts';
import { functionApp } from './function-app.ts';

export const main = doMain(
  '/deployments',
  functionApp((providers) => [deploymentsRoutes(providers.controlPlane, DIGITALOCEAN_LIMITS)]),
);
