/**
 * The pool's Node settings, read from the environment when asked (never at module load): where
 * its configs come from (a Kubernetes watch, or the local supervisor over IPC), who it is (the
 * pod it reports for), how it shares itself between agents, plus the settings every agent
 * process reads (port, provider, proxies, CORS, drain time).
 *
 * Throws naming the variable and the value when a setting cannot be understood.
 */
import { hostname } from 'node:os';
import { type NodeSettings, readSettings as readAgentSettings } from '../../node/settings.ts';
import { DEFAULT_REPORT_SHARDS, MAX_REPORT_SHARDS } from '../contract.ts';
import { DEFAULT_FAIRNESS, type FairnessLimits } from '../fair-scheduler.ts';

export const POOL_SOURCE_ENV = 'FLEETPLANE_POOL_SOURCE';

export interface PoolSettings extends Omit<NodeSettings, 'configPath'> {
  source: 'kubernetes' | 'ipc';
  /** Namespace of the pooled agents' ConfigMaps and of the report Leases. */
  namespace: string;
  /** The pod the reports speak for (POD_NAME from the downward API; the host name otherwise). */
  podName: string;
  /** The pod's uid: the reports' owner, so they go when the pod goes. */
  podUid: string | undefined;
  /** A kubeconfig file (out of cluster); unset: the pod's ServiceAccount. */
  kubeconfigPath: string | undefined;
  reportShards: number;
  fairness: FairnessLimits;
}

function whole(env: Record<string, string | undefined>, name: string, fallback: number, max: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max)
    throw new Error(`${name} must be a whole number from 1 to ${max} (got "${value}")`);
  return Number(value);
}

export function readPoolSettings(env: Record<string, string | undefined>): PoolSettings {
  const { configPath: _unused, ...agent } = readAgentSettings(env);
  const source = env[POOL_SOURCE_ENV] || 'kubernetes';
  if (source !== 'kubernetes' && source !== 'ipc')
    throw new Error(`${POOL_SOURCE_ENV} must be "kubernetes" or "ipc" (got "${source}")`);
  return {
    ...agent,
    source,
    namespace: env.FLEETPLANE_NAMESPACE || 'agents',
    podName: env.POD_NAME || hostname(),
    podUid: env.POD_UID || undefined,
    kubeconfigPath: env.KUBECONFIG || undefined,
    reportShards: whole(env, 'FLEETPLANE_POOL_REPORT_SHARDS', DEFAULT_REPORT_SHARDS, MAX_REPORT_SHARDS),
    fairness: {
      perAgent: whole(env, 'FLEETPLANE_POOL_AGENT_CONCURRENCY', DEFAULT_FAIRNESS.perAgent, 10_000),
      queuePerAgent: whole(env, 'FLEETPLANE_POOL_AGENT_QUEUE', DEFAULT_FAIRNESS.queuePerAgent, 100_000),
      total: whole(env, 'FLEETPLANE_POOL_CONCURRENCY', DEFAULT_FAIRNESS.total, 100_000),
      maxWaitMs: DEFAULT_FAIRNESS.maxWaitMs,
    },
  };
}
