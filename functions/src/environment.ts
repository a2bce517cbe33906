/**
 * The edge: turns environment variables into the control plane's dependencies. Read per
 * call (never at module load), with one precedence: explicit option > env > default.
 * The S3 and Kubernetes clients are imported lazily, on first use, and kept for the life
 * of the process (a warm function reuses them).
 *
 * Names are the ones DESIGN.md fixes: FLEETPLANE_STORE, FLEETPLANE_S3_ENDPOINT,
 * FLEETPLANE_S3_REGION, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, KUBECONFIG,
 * FLEETPLANE_KUBECONFIG_DATA, FLEETPLANE_NAMESPACE, FLEETPLANE_BUILD_NAMESPACE,
 * FLEETPLANE_REGISTRY, FLEETPLANE_DOMAIN, FLEETPLANE_API_TOKEN_HASHES.
 */
import { readFileSync } from 'node:fs';
import type { HealthProbes } from './api/providers.ts';
import type { Cluster } from './cluster/cluster.ts';
import { ControlPlane } from './control-plane.ts';
import type { PlatformSettings } from './core/platform.ts';
import { platformSettingsFromEnv, SettingsError } from './settings.ts';
import type { ConfigStore } from './store/config-store.ts';
import { VERSION } from './version.ts';

export type Env = Record<string, string | undefined>;

export type StoreLocation =
  | { kind: 'file'; directory: string }
  | { kind: 's3'; bucket: string; prefix: string };

export function storeLocation(env: Env): StoreLocation {
  const url = env.FLEETPLANE_STORE || 'file://.fleetplane';
  if (url.startsWith('file://'))
    return { kind: 'file', directory: url.slice('file://'.length) || '.fleetplane' };
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match)
    throw new SettingsError(
      `FLEETPLANE_STORE must be file://<dir> or s3://<bucket>[/<prefix>] (got "${url}")`,
    );
  return { kind: 's3', bucket: match[1] as string, prefix: match[2] ?? '' };
}

export async function storeFromEnv(env: Env): Promise<ConfigStore> {
  const location = storeLocation(env);
  if (location.kind === 'file') {
    const { FileStore } = await import('./store/file-store.ts');
    return new FileStore(location.directory);
  }
  const { S3Store } = await import('./store/s3-store.ts');
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  return new S3Store({
    bucket: location.bucket,
    prefix: location.prefix,
    ...(env.FLEETPLANE_S3_ENDPOINT ? { endpoint: env.FLEETPLANE_S3_ENDPOINT } : {}),
    region: env.FLEETPLANE_S3_REGION || 'us-east-1',
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
  });
}

/** Kubeconfig YAML from FLEETPLANE_KUBECONFIG_DATA (base64) or the KUBECONFIG file; undefined: none. */
export function kubeconfigText(env: Env): string | undefined {
  if (env.FLEETPLANE_KUBECONFIG_DATA)
    return Buffer.from(env.FLEETPLANE_KUBECONFIG_DATA, 'base64').toString('utf8');
  const path = env.KUBECONFIG?.split(':')[0];
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
  const { KubeCluster } = await import('./cluster/kube-cluster.ts');
  const kube = new KubeCluster({
    kubeconfig,
    namespace: platform.namespace,
  });
  if (!options.localTarget) return kube;
  const { CompositeCluster } = await import('./local/composite-cluster.ts');
  return new CompositeCluster(kube, await options.localTarget());
}

export function runtimeImage(env: Env, platform: PlatformSettings): string {
  return env.FLEETPLANE_RUNTIME_IMAGE || `${platform.registry}/agent-runtime:${VERSION}`;
}

/** Providers for the app's routes; each dependency is created once, on first use. */
export function providersFromEnv(env: Env, options: ClusterFactoryOptions = {}) {
  let platform: PlatformSettings | undefined;
  let store: Promise<ConfigStore> | undefined;
  let cluster: Promise<Cluster> | undefined;
  const getPlatform = () => {
    platform ??= platformSettingsFromEnv(env);
    return platform;
  };
  const getStore = () => {
    store ??= storeFromEnv(env);
    store.catch(() => {
      store = undefined;
    });
    return store;
  };
  const getCluster = () => {
    cluster ??= clusterFromEnv(env, getPlatform(), options);
    cluster.catch(() => {
      cluster = undefined;
    });
    return cluster;
  };
  let plane: ControlPlane | undefined;
  return {
    platform: getPlatform,
    store: getStore,
    cluster: getCluster,
    controlPlane: async () => {
      if (plane) return plane;
      const [resolvedStore, resolvedCluster] = await Promise.all([getStore(), getCluster()]);
      plane = new ControlPlane({
        store: resolvedStore,
        cluster: resolvedCluster,
        platform: getPlatform(),
        runtimeImage: runtimeImage(env, getPlatform()),
        localTarget: options.localTarget !== undefined,
      });
      return plane;
    },
    health: async (): Promise<HealthProbes> => {
      const [resolvedStore, resolvedCluster] = await Promise.all([getStore(), getCluster()]);
      // /health is public: it names the kind of each dependency, never bucket names or URLs.
      return {
        store: {
          target: storeLocation(env).kind === 's3' ? 's3' : 'local directory',
          ping: () => resolvedStore.ping(),
        },
        cluster: {
          target: kubeconfigText(env) ? 'kubernetes' : 'local processes',
          ping: () => resolvedCluster.ping(),
        },
      };
    },
  };
}

export type Providers = ReturnType<typeof providersFromEnv>;
