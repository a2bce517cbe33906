/**
 * The pool's source in a cluster: an informer (@kubernetes/client-node's ListWatch) on the
 * ConfigMaps labelled as pooled, in the pool's namespace. It lists once, then watches; each add
 * or update loads that agent's config into the pool, each delete removes it, with no restart.
 *
 * Staying live: the informer relists by itself after a 410 (its resourceVersion expired) and
 * reconnects when a watch goes quiet for 30 s (the client's inactivity timeout, the watchdog);
 * any other error stops it, so it is started again here with back-off (1 s doubling to 30 s).
 * Loading is idempotent (the pool compares the config text), so a relist changes nothing that
 * did not change.
 */
import {
  type KubeConfig,
  type KubernetesListObject,
  KubernetesObjectApi,
  makeInformer,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import type { Logger } from '../../observability/logger.ts';
import {
  POOL_AGENT_LABEL,
  POOL_GENERATION_ANNOTATION,
  POOLED_CONFIG_KEY,
  POOLED_CONFIG_SELECTOR,
  type PooledConfig,
} from '../contract.ts';
import type { PoolRuntime } from '../pool-runtime.ts';

const MAX_BACKOFF_MS = 30_000;

/** What the pool loads from one ConfigMap; undefined when it names no agent. */
export function pooledConfigOf(configMap: V1ConfigMap): PooledConfig | undefined {
  const name = configMap.metadata?.labels?.[POOL_AGENT_LABEL];
  if (!name) return undefined;
  const generation = Number(configMap.metadata?.annotations?.[POOL_GENERATION_ANNOTATION]);
  return {
    name,
    generation: Number.isSafeInteger(generation) && generation >= 0 ? generation : 0,
    version: configMap.metadata?.resourceVersion ?? '',
    configJson: configMap.data?.[POOLED_CONFIG_KEY] ?? '',
  };
}

export interface WatchOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  runtime: PoolRuntime;
  log: Logger;
}

export function watchPooledConfigs(options: WatchOptions): { stop(): Promise<void> } {
  const { kubeConfig, namespace, runtime, log } = options;
  const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
  let stopped = false;
  let backoff = 1_000;
  let timer: NodeJS.Timeout | undefined;
  const list = async (): Promise<KubernetesListObject<V1ConfigMap>> => {
    const listed = await objects.list<V1ConfigMap>(
      'v1',
      'ConfigMap',
      namespace,
      undefined,
      undefined,
      undefined,
      undefined,
      POOLED_CONFIG_SELECTOR,
    );
    backoff = 1_000;
    // The informer loads the items right after this promise settles, in the same turn.
    setImmediate(() => {
      runtime.markSynced();
      log.info('pooled configs listed', { agents: runtime.pool.size });
    });
    return listed;
  };
  const informer = makeInformer<V1ConfigMap>(
    kubeConfig,
    `/api/v1/namespaces/${namespace}/configmaps`,
    list,
    POOLED_CONFIG_SELECTOR,
  );
  const load = (configMap: V1ConfigMap) => {
    const config = pooledConfigOf(configMap);
    if (config) runtime.pool.upsert(config);
  };
  informer.on('add', load);
  informer.on('update', load);
  informer.on('delete', (configMap) => {
    const name = configMap.metadata?.labels?.[POOL_AGENT_LABEL];
    if (name) runtime.pool.remove(name);
  });
  informer.on('error', (error: unknown) => {
    if (stopped) return;
    log.warn('watching pooled configs failed; starting again', {
      detail: (error as Error)?.message ?? String(error),
      retryInMs: backoff,
    });
    timer = setTimeout(() => void informer.start().catch(() => {}), backoff);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  });
  void informer.start().catch(() => {});
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await informer.stop();
    },
  };
}
