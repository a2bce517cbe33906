/**
 * Node entry of the pool (`agent-pool.mjs` in the agent image, beside `agent-runtime.mjs`):
 * one process serving every pooled agent of its namespace. In a cluster its configs come from
 * a watch on the pooled ConfigMaps and its report goes to Leases; under the local target
 * (FLEETPLANE_POOL_SOURCE=ipc) both go over the IPC channel of its supervisor. Listens on
 * HOST:PORT, logs one JSON line when listening, drains on SIGTERM like an agent.
 *
 * It must never log OPENAI_API_KEY. It reads no Secret: the provider key is in its env.
 */
import { createOpenAiModel } from '../../llm/openai-model.ts';
import { nodeClientAddress } from '../../node/client-address.ts';
import { batchedStdout } from '../../node/log-sink.ts';
import { createLifecycle, serveAgent } from '../../node/serve.ts';
import { stopOnSignals } from '../../node/stop-on-signals.ts';
import { createLogger } from '../../observability/logger.ts';
import { RUNTIME_VERSION } from '../../version.ts';
import { createPoolRuntime } from '../pool-runtime.ts';
import { linkToSupervisor } from './ipc-link.ts';
import { type PoolSettings, readPoolSettings } from './settings.ts';

export async function main(env: Record<string, string | undefined> = process.env): Promise<void> {
  const writeLine = batchedStdout();
  const log = createLogger('info', writeLine, { component: 'pool' });
  let settings: PoolSettings;
  try {
    settings = readPoolSettings(env);
  } catch (err) {
    log.error('pool settings rejected', { detail: (err as Error).message });
    process.exitCode = 1;
    return;
  }
  if (!settings.openAiApiKey) log.warn('OPENAI_API_KEY is not set; only keyless providers will answer');

  const lifecycle = createLifecycle();
  const runtime = createPoolRuntime({
    model: createOpenAiModel({ apiKey: settings.openAiApiKey, baseURL: settings.openAiBaseUrl }),
    log: writeLine,
    lifecycle,
    clientAddress: nodeClientAddress(settings.trustedProxies),
    corsOrigins: settings.corsOrigins,
    fairness: settings.fairness,
  });
  const server = await serveAgent(runtime.fetch, {
    port: settings.port,
    host: settings.host,
    graceMs: settings.shutdownGraceMs,
    lifecycle,
  });

  const stops: (() => unknown)[] = [];
  if (settings.source === 'ipc') {
    stops.push(linkToSupervisor(runtime));
  } else {
    // Loaded only here: the local target's pool (IPC) never pays for the Kubernetes client.
    const { linkToCluster } = await import('./kube-link.ts');
    stops.push(...linkToCluster(runtime, settings, log));
  }

  log.info('listening', {
    host: settings.host,
    port: server.port,
    source: settings.source,
    namespace: settings.namespace,
    pod: settings.podName,
    version: RUNTIME_VERSION,
  });

  stopOnSignals(server, {
    log,
    graceMs: settings.shutdownGraceMs,
    beforeDrain: () => {
      for (const undo of stops) undo();
    },
  });
}

await main();
