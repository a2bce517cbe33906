/**
 * DigitalOcean Function `fleetplane/gc`: GET /gc lists build contexts and images nothing
 * references; POST /gc with {"dryRun": false} deletes them. A plain invocation
 * (`doctl serverless functions invoke fleetplane/gc`) is a POST whose body is its params, so it
 * is a dry run unless given `-p dryRun false`.
 */
import { gcRoutes } from '../api/routes/gc.ts';
import { doMain } from './do-adapter.ts';
import { functionApp } from './function-app.ts';

export const main = doMain(
  '/gc',
  functionApp((providers) => [gcRoutes(providers.controlPlane)]),
  'POST',
);
