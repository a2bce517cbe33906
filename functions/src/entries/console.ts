/**
 * DigitalOcean Function `fleetplane/console`: the web console's page and files, bundled into
 * this function by `npm run build`. The page calls its sibling functions (../deployments,
 * ../deploy, ../templates, ../health) on the same origin.
 */
import { memoise } from '../console/assets.ts';
import { PREBUILT_ASSETS } from '../console/prebuilt.ts';
import { consoleRoutes } from '../console/routes.ts';
import { doMain } from './do-adapter.ts';
import { functionApp } from './function-app.ts';

const assets = memoise(async () => {
  if (!PREBUILT_ASSETS) throw new Error('this function was not built by `npm run build`');
  return PREBUILT_ASSETS;
});

export const main = doMain(
  '/console',
  functionApp(() => [consoleRoutes({ assets, env: () => process.env })]),
);
