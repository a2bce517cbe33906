/** DigitalOcean Function `fleetplane/deploy`: POST /deploy. */
import { deployRoutes } from '../api/routes/deploy.ts';
import { agentPolicyOf } from '../core/agent-policy.ts';
import { DIGITALOCEAN_LIMITS } from '../core/request-limits.ts';
import { platformSettingsFromEnv } from '../wiring/settings.ts';
import { doMain } from './do-adapter.ts';
import { functionApp } from './function-app.ts';

export const main = doMain(
  '/deploy',
  functionApp((providers) => [
    deployRoutes(
      providers.controlPlane,
      () => ({
        localAgents: false,
        localProcesses: 'none',
        policy: agentPolicyOf(platformSettingsFromEnv(process.env)),
      }),
      DIGITALOCEAN_LIMITS,
    ),
  ]),
  'POST',
);
