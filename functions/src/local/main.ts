/**
 * `npm start`: the control plane as a plain Node server with embedded defaults: the store in
 * a local directory (FLEETPLANE_STORE, default file://.fleetplane), the cluster from
 * KUBECONFIG when set, else the local target (agents as child processes). Binds loopback
 * unless HOST says otherwise; runs open on loopback when no token hashes are configured.
 */
import { serve } from '@hono/node-server';
import { createFullApp } from '../api/full-app.ts';
import { logSweep } from '../control-plane/sweep.ts';
import { jsonLogger, type LogLevel } from '../lib/logger.ts';
import { envValue } from '../wiring/env.ts';
import { providersFromEnv } from '../wiring/providers.ts';
import { DEFAULT_STORE_URL } from '../wiring/store-from-env.ts';
import { localTargetFallback } from './local-target.ts';

const port = Number(envValue(process.env, 'PORT') ?? 8080);
const host = envValue(process.env, 'HOST') ?? '127.0.0.1';
const clusterConfigured = Boolean(
  envValue(process.env, 'KUBECONFIG') ?? envValue(process.env, 'FLEETPLANE_KUBECONFIG_DATA'),
);
// Local agents answer on this server; a cluster's agents on the configured public host.
const env = clusterConfigured
  ? process.env
  : {
      ...process.env,
      FLEETPLANE_PUBLIC_URL: envValue(process.env, 'FLEETPLANE_PUBLIC_URL') ?? `http://${host}:${port}`,
    };
const log = jsonLogger((envValue(env, 'FLEETPLANE_LOG_LEVEL') as LogLevel | undefined) ?? 'info');
const local = localTargetFallback(env, log);
const providers = providersFromEnv(env, { localTarget: local.cluster });
const app = createFullApp({ env, providers, log, openWhenUnconfigured: true });

const server = serve({ fetch: local.wrap(app.fetch), port, hostname: host }, (info) => {
  const target = clusterConfigured
    ? `cluster (${envValue(env, 'KUBECONFIG') ?? 'FLEETPLANE_KUBECONFIG_DATA'})`
    : 'local processes';
  log('info', 'fleetplane listening', {
    url: `http://${host}:${info.port}`,
    store: envValue(env, 'FLEETPLANE_STORE') ?? DEFAULT_STORE_URL,
    target,
    auth: envValue(env, 'FLEETPLANE_API_TOKEN_HASHES')
      ? 'bearer tokens'
      : 'open (no FLEETPLANE_API_TOKEN_HASHES set)',
  });
});

local.startSweeping(async () => logSweep(log, await (await providers.controlPlane()).sweep()));

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log('info', 'stopping', { signal });
    server.close();
    void local.stop().finally(() => process.exit(0));
  });
