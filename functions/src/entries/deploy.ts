/** DigitalOcean Function `fleetplane/deploy`: POST /deploy. */
import { deployRoutes } from '../api/routes/deploy.ts';
import { doMain } from './do-adapter.ts';
import { functionApp } from './function-app.ts';

export const main = doMain(
  '/deploy',
  functionApp((providers) => [deployRoutes(providers.controlPlane, { localAgents: false })]),
  'POST',
);
