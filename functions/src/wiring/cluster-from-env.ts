/**
 * Where agents run: the Kubernetes cluster of FLEETPLANE_KUBECONFIG_DATA (base64, for
 * functions) or the KUBECONFIG file; with neither, the local server's process target. The
 * Kubernetes client is imported on first use only.
 */
import { readFileSync } from 'node:fs';
import type { Cluster } from '../cluster/cluster.ts';
import type { PlatformSettings } from '../core/platform.ts';
import { type Env, envValue, SettingsError } from './env.ts';

/** Kubeconfig YAML from FLEETPLANE_KUBECONFIG_DATA (base64) or the KUBECONFIG file; undefined: none. */
export function kubeconfigText(env: Env): string | undefined {
  const data = envValue(env, 'FLEETPLANE_KUBECONFIG_DATA');
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  const path = envValue(env, 'KUBECONFIG')?.split(':')[0];
  if (!path) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new SettingsError(`KUBECONFIG names ${path}, which cannot be read: ${(error as Error).message}`);
  }
}

export interface ClusterFactoryOptions {
  /**
   * The local server's process target: used alone when no kubeconfig is configured, and for
   * agents with `"cloud": "local"` beside a configured cluster. Functions have none.
   */
  localTarget?: () => Promise<Cluster>;
  /**
   * Whether the store may be a local directory (FLEETPLANE_STORE file://, or unset). Only the
   * local server's; by default, whether there is a local target.
   */
  localStore?: boolean;
}

export async function clusterFromEnv(
  env: Env,
  platform: PlatformSettings,
  options: ClusterFactoryOptions = {},
): Promise<Cluster> {
  const kubeconfig = kubeconfigText(env);
  if (!kubeconfig) {
    if (options.localTarget) return options.localTarget();
    throw new SettingsError(
      'no cluster is configured: set KUBECONFIG or FLEETPLANE_KUBECONFIG_DATA (base64 kubeconfig)',
    );
  }
  const { KubeCluster } = await import('../cluster/kube-cluster.ts');
  const kube = new KubeCluster({ kubeconfig, namespace: platform.namespace });
  if (!options.localTarget) return kube;
  const { CompositeCluster } = await import('../cluster/composite-cluster.ts');
  return new CompositeCluster(kube, await options.localTarget());
}
