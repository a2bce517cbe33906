/**
 * DigitalOcean Function `fleetplane/whoami`: GET /whoami, the scope of the caller's token. It
 * needs the token hashes alone (no store, no cluster), like `templates`.
 */
import { whoamiRoutes } from '../api/routes/whoami.ts';
import { doMain } from './do-adapter.ts';
import { functionApp } from './function-app.ts';

export const main = doMain(
  '/whoami',
  functionApp(() => [whoamiRoutes()]),
);
