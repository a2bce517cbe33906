/**
 * The pool's link to its cluster: configs from the watch on pooled ConfigMaps, reports to its
 * Leases, both with the pod's ServiceAccount (or a kubeconfig file, out of cluster). Reports
 * start once the first listing is loaded: every shard then, empty ones too.
 *
 * Imported only when the pool runs in a cluster, so the local target's pool never loads the
 * Kubernetes client. Answers the functions that stop it.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../observability/logger.ts';
import type { PoolRuntime } from '../pool-runtime.ts';
import { watchPooledConfigs } from './kube-watch.ts';
import { LeaseReporter } from './lease-report.ts';
import type { PoolSettings } from './settings.ts';

export function linkToCluster(runtime: PoolRuntime, settings: PoolSettings, log: Logger): (() => unknown)[] {
  const kubeConfig = new KubeConfig();
  if (settings.kubeconfigPath) kubeConfig.loadFromFile(settings.kubeconfigPath);
  else kubeConfig.loadFromCluster();
  const reporter = new LeaseReporter({
    kubeConfig,
    namespace: settings.namespace,
    pod: settings.podName,
    podUid: settings.podUid,
    shards: settings.reportShards,
    report: () => runtime.pool.report(),
    log,
  });
  const watch = watchPooledConfigs({ kubeConfig, namespace: settings.namespace, runtime, log });
  let unsubscribe = () => {};
  void runtime.synced.then(() => {
    unsubscribe = runtime.pool.onChange(() => reporter.schedule());
    reporter.schedule(0);
  });
  return [() => unsubscribe(), () => reporter.stop(), () => watch.stop()];
}
