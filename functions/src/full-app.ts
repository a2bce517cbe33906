/**
 * The whole API in one app (every route group), as the local server and the tests run it.
 */
import { createApp } from './api/app.ts';
import { authFromEnv } from './api/auth.ts';
import { docsRoutes } from './api/docs-routes.ts';
import { deployRoutes } from './api/routes/deploy.ts';
import { deploymentsRoutes } from './api/routes/deployments.ts';
import { gcRoutes } from './api/routes/gc.ts';
import { healthRoutes } from './api/routes/health.ts';
import { rootRoutes } from './api/routes/root.ts';
import { templatesRoutes } from './api/routes/templates.ts';
import { whoamiRoutes } from './api/routes/whoami.ts';
import { CONSOLE_PUBLIC_PATHS, memoise } from './console/assets.ts';
import { consoleRoutes } from './console/routes.ts';
import { agentPolicyOf } from './core/agent-policy.ts';
import type { Logger } from './lib/logger.ts';
import { VERSION } from './version.ts';
import type { Env } from './wiring/env.ts';
import type { Providers } from './wiring/providers.ts';

export interface FullAppOptions {
  env: Env;
  providers: Providers;
  log: Logger;
  /** The local server runs open when no token hashes are configured; functions never do. */
  openWhenUnconfigured: boolean;
}

export function createFullApp(options: FullAppOptions) {
  const { providers } = options;
  return createApp({
    auth: authFromEnv(options.env, options.openWhenUnconfigured),
    log: options.log,
    routes: [
      rootRoutes(VERSION),
      deployRoutes(providers.controlPlane, () => ({
        localAgents: providers.localAgents,
        localProcesses: providers.localProcesses(),
        policy: agentPolicyOf(providers.platform()),
      })),
      deploymentsRoutes(providers.controlPlane),
      gcRoutes(providers.controlPlane),
      templatesRoutes(),
      whoamiRoutes(),
      healthRoutes(providers.health, VERSION, options.log),
      docsRoutes(VERSION),
      consoleRoutes({
        assets: memoise(async () => (await import('./console/bundle.ts')).bundleConsole()),
        env: () => options.env,
        // The local server is its user's alone: the console runs on whichever of its origins was asked.
        origin: { kind: 'own' },
      }),
    ],
    publicPaths: CONSOLE_PUBLIC_PATHS,
  });
}
