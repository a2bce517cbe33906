/**
 * DigitalOcean Function `fleetplane/console`: the web console's page and files, bundled into
 * this function by `npm run build`, served only on FLEETPLANE_CONSOLE_ORIGIN (never on the
 * shared function host; see console/dedicated-origin.ts). The page calls its sibling
 * functions (../deployments, ../deploy, ../templates, ../whoami, ../health) on the same origin.
 *
 * WHY not function-app.ts: its providers reference the environment wiring (S3 and Kubernetes
 * clients) through import(), and the build would ship those chunks with this function too.
 * The console needs no provider, only the app's auth and error mapping.
 */
import { createApp } from '../api/app.ts';
import { authFromEnvOrRefuseAll } from '../api/auth.ts';
import { CONSOLE_PUBLIC_PATHS, memoise } from '../console/assets.ts';
import { PREBUILT_ASSETS } from '../console/prebuilt.ts';
import { consoleRoutes } from '../console/routes.ts';
import { jsonLogger, type LogLevel } from '../lib/logger.ts';
import { doMain, type FetchApp } from './do-adapter.ts';

const assets = memoise(async () => {
  if (!PREBUILT_ASSETS) throw new Error('this function was not built by `npm run build`');
  return PREBUILT_ASSETS;
});

let app: FetchApp | undefined;

export const main = doMain('/console', () => {
  if (app) return app;
  const env = process.env;
  const hono = createApp({
    auth: authFromEnvOrRefuseAll(env),
    log: jsonLogger((env.FLEETPLANE_LOG_LEVEL as LogLevel) || 'info'),
    routes: [
      consoleRoutes({
        assets,
        env: () => process.env,
        origin: { kind: 'configured', env: () => process.env },
      }),
    ],
    publicPaths: CONSOLE_PUBLIC_PATHS,
  });
  app = (request, invocation) => hono.fetch(request, invocation);
  return app;
});
