/**
 * Wiring of the local target for `npm start`: a LocalCluster created on first use, the proxy
 * in front of the API, a sweep at start-up and every 30 seconds (the local stand-in for the
 * scheduled function), and shutdown of every agent process.
 */
import { resolve } from 'node:path';
import type { Logger } from '../lib/logger.ts';
import type { Env } from '../wiring/env.ts';
import { localDirectory } from '../wiring/store-from-env.ts';
import type { AgentCallGuard } from './agent-access.ts';
import { LocalCluster } from './local-cluster.ts';
import { agentProxy, type Fetch } from './proxy.ts';

const SWEEP_INTERVAL_MS = 30_000;

let bundled: Promise<string> | undefined;

/** Bundles the runtime once per server start, so local agents always run the current code. */
function runtimeBundle(): Promise<string> {
  bundled ??= import('../../../agent-runtime/build.ts').then(
    async ({ bundleRuntime }) => (await bundleRuntime()).path,
  );
  return bundled;
}

export function localTargetFallback(env: Env, log: Logger) {
  let cluster: LocalCluster | undefined;
  const directory = localDirectory(env);
  const getCluster = () => {
    cluster ??= new LocalCluster({
      bundlePath: runtimeBundle,
      dataDir: resolve(directory, 'local'),
      env,
      log,
    });
    return cluster;
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    cluster: async () => getCluster(),
    /**
     * `/<agent>/...` to the agent's processes, anything else (and the API's own roots) to `next`;
     * `guard` when the server needs a token (agent-access.ts).
     */
    wrap: (next: Fetch, apiRoots: () => readonly string[], guard?: AgentCallGuard): Fetch =>
      agentProxy(() => cluster, next, apiRoots, guard),
    /** Starts the periodic sweep; `sweepOnce` is the control plane's sweep bound to its deps. */
    startSweeping(sweepOnce: () => Promise<unknown>) {
      const run = () =>
        sweepOnce().catch((error: unknown) =>
          log('warn', 'sweep failed', { error: (error as Error).message }),
        );
      void run();
      timer = setInterval(run, SWEEP_INTERVAL_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await cluster?.stopAll();
    },
  };
}
