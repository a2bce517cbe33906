/** DigitalOcean Function `fleetplane/health`: GET /health (no token). */
import { healthRoutes } from '../api/routes/health.ts';
import { VERSION } from '../version.ts';
import { doMain } from './do-adapter.ts';
import { functionApp } from './function-app.ts';

export const main = doMain(
  '/health',
  functionApp((providers, log) => [healthRoutes(providers.health, VERSION, log)]),
);
