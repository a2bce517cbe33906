/**
 * `npm start`: the control plane as a plain Node server with embedded defaults: the store in
 * a local directory (FLEETPLANE_STORE, default file://.fleetplane), the cluster from
 * KUBECONFIG when set, else the local target (agents as child processes).
 *
 * Binds loopback unless HOST says otherwise. Runs open (no token) only on loopback with no
 * token hashes configured, and then answers only loopback Hosts and its own Origin; bound
 * elsewhere without hashes, it accepts one token generated for the run (printed on stderr).
 * Whenever it needs a token, agents' paths need it too (or the agent's own key).
 * Writes must be JSON. A port it cannot have is one line on stderr (exit 1). It stops, and stops
 * its agents, on SIGINT, SIGTERM, SIGHUP and when
 * its parent or npm goes (`npm start & kill $!`); agents also exit by themselves if it is
 * SIGKILLed.
 */
import { serve } from '@hono/node-server';
import { authFromEnv } from '../api/auth.ts';
import { liveRouteRoots } from '../api/route-roots.ts';
import { logSweep } from '../control-plane/sweep.ts';
import { createFullApp } from '../full-app.ts';
import { jsonLogger, type LogLevel } from '../lib/logger.ts';
import { envValue } from '../wiring/env.ts';
import { providersFromEnv } from '../wiring/providers.ts';
import { DEFAULT_STORE_URL } from '../wiring/store-from-env.ts';
import { accessMode, tokenNotice } from './access-mode.ts';
import { agentCallGuard } from './agent-access.ts';
import { listenFailure } from './listen-failure.ts';
import { localTargetFallback } from './local-target.ts';
import { watchAncestors } from './parent-watch.ts';
import type { Fetch } from './proxy.ts';
import { jsonWrites, loopbackOnly } from './request-guards.ts';

/** How long stopping may take before the server exits anyway (its agents then exit on their own). */
const STOP_DEADLINE_MS = 10_000;

const port = Number(envValue(process.env, 'PORT') ?? 8080);
const host = envValue(process.env, 'HOST') ?? '127.0.0.1';
const clusterConfigured = Boolean(
  envValue(process.env, 'KUBECONFIG') ?? envValue(process.env, 'FLEETPLANE_KUBECONFIG_DATA'),
);
const access = accessMode(host, envValue(process.env, 'FLEETPLANE_API_TOKEN_HASHES'));
// Local agents answer on this server; a cluster's agents on the configured public host.
const env: NodeJS.ProcessEnv = {
  ...process.env,
  ...(clusterConfigured
    ? {}
    : {
        FLEETPLANE_PUBLIC_URL:
          envValue(process.env, 'FLEETPLANE_PUBLIC_URL') ??
          `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      }),
  ...(access.kind === 'generated-token' ? { FLEETPLANE_API_TOKEN_HASHES: access.hash } : {}),
};
const log = jsonLogger((envValue(env, 'FLEETPLANE_LOG_LEVEL') as LogLevel | undefined) ?? 'info');
const local = localTargetFallback(env, log);
// Local agents call each other through this server (agent tools), by a name that reaches it.
const reachableHost =
  host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
const providers = providersFromEnv(env, {
  localTarget: local.cluster,
  localServer: { url: `http://${reachableHost}:${port}`, runsEveryAgent: !clusterConfigured },
  log,
});
const app = createFullApp({ env, providers, log, openWhenUnconfigured: access.kind === 'open' });

// Outermost first: who may ask at all, then agents' paths to their processes (behind the same
// tokens as the API unless the server runs open), then JSON writes to the API.
const apiFetch: Fetch = jsonWrites((request) => app.fetch(request));
const served =
  access.kind === 'open'
    ? local.wrap(apiFetch, liveRouteRoots(app))
    : local.wrap(apiFetch, liveRouteRoots(app), agentCallGuard(authFromEnv(env, false).tokens));
const fetch = access.kind === 'open' ? loopbackOnly(served) : served;

if (access.kind === 'generated-token') process.stderr.write(tokenNotice(host, access.token));

const server = serve({ fetch, port, hostname: host }, (info) => {
  const target = clusterConfigured
    ? `cluster (${envValue(env, 'KUBECONFIG') ?? 'FLEETPLANE_KUBECONFIG_DATA'})`
    : 'local processes';
  log('info', 'fleetplane listening', {
    url: `http://${host}:${info.port}`,
    store: envValue(env, 'FLEETPLANE_STORE') ?? DEFAULT_STORE_URL,
    target,
    auth: {
      open: 'open on loopback (no FLEETPLANE_API_TOKEN_HASHES set)',
      'configured-tokens': 'bearer tokens (FLEETPLANE_API_TOKEN_HASHES)',
      'generated-token': 'a bearer token generated for this run (printed on stderr)',
    }[access.kind],
  });
  if (!envValue(env, 'OPENAI_BASE_URL') && !envValue(env, 'OPENAI_API_KEY'))
    log(
      'warn',
      'no model endpoint: neither OPENAI_BASE_URL nor OPENAI_API_KEY is set, so local agents cannot reach a model and /generate answers 502. For a stand-in model: npm run model:echo, then start with OPENAI_BASE_URL=http://127.0.0.1:11435/v1 OPENAI_API_KEY=local',
    );
  // Only once the port is ours: a server that cannot listen starts no agent.
  local.startSweeping(async () => logSweep(log, await (await providers.controlPlane()).sweep()));
});

// A port that is taken (another `npm start`, another program) is one line that says what to do.
server.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EADDRINUSE' && error.code !== 'EACCES') throw error;
  process.stderr.write(`${listenFailure(error.code, host, port)}\n`);
  process.exit(1);
});

let stopping = false;
function stop(reason: string) {
  if (stopping) return;
  stopping = true;
  log('info', 'stopping', { reason });
  server.close();
  setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
  void local.stop().finally(() => process.exit(0));
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
watchAncestors(stop);
