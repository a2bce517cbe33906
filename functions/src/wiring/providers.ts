/**
 * The edge: turns environment variables into the control plane's dependencies. Read per
 * call (never at module load), with one precedence: explicit option > env > default. Each
 * dependency is created once, on first use, and kept for the life of the process (a warm
 * function reuses it); a failed creation is retried on the next use.
 *
 * Names are the ones DESIGN.md fixes (FLEETPLANE_STORE, KUBECONFIG, FLEETPLANE_NAMESPACE, ...).
 */
import { type RuntimeContextSource, runtimeContext } from '../builds/runtime-context.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { ControlPlane } from '../control-plane/control-plane.ts';
import { DEFAULT_GC_MIN_AGE_SECONDS } from '../control-plane/gc.ts';
import type { HealthProbes } from '../control-plane/health-probes.ts';
import { DEFAULT_SWEEP_OPTIONS } from '../control-plane/sweep.ts';
import type { LocalProcesses } from '../core/deploy-request.ts';
import type { LocalServerSettings, PlatformSettings } from '../core/platform.ts';
import type { Logger } from '../lib/logger.ts';
import type { BlobStore } from '../store/blob-store.ts';
import type { ConfigStore } from '../store/config-store.ts';
import { VERSION } from '../version.ts';
import { imageBuildsFromEnv } from './builds-from-env.ts';
import { type ClusterFactoryOptions, clusterFromEnv, kubeconfigText } from './cluster-from-env.ts';
import { type Env, envValue, SettingsError } from './env.ts';
import { platformSettingsFromEnv } from './settings.ts';
import { blobsFromEnv, numberFromEnv, storeFromEnv, storeLocation } from './store-from-env.ts';

export function runtimeImage(env: Env, platform: PlatformSettings): string {
  return envValue(env, 'FLEETPLANE_RUNTIME_IMAGE') ?? `${platform.registry}/agent-runtime:${VERSION}`;
}

/** A value created on first use and kept; a failure is forgotten so the next use retries. */
function once<T>(create: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= create();
    pending.catch(() => {
      pending = undefined;
    });
    return pending;
  };
}

export interface ProviderOptions extends ClusterFactoryOptions {
  /** The image's build context; default: the one packed into the function, or built from the source. */
  runtimeContext?: RuntimeContextSource;
  /** The local server's own address and reach (agents' tools call each other through it). */
  localServer?: LocalServerSettings;
  /** Where the control plane reports what it found wrong and repaired (a replaced build context). */
  log?: Logger;
}

/** Providers for the app's routes and the sweep. */
export function providersFromEnv(env: Env, options: ProviderOptions = {}) {
  let platform: PlatformSettings | undefined;
  const getPlatform = () => {
    platform ??= platformSettingsFromEnv(
      env,
      options.localServer ? { localServer: options.localServer } : {},
    );
    return platform;
  };
  // Only the local server may keep its store in a directory; everything else names its bucket.
  const localStore = options.localStore ?? options.localTarget !== undefined;
  const getBlobs = once<BlobStore>(() => blobsFromEnv(env));
  const getStore = once<ConfigStore>(async () =>
    storeFromEnv(env, { requireS3: !localStore }, await getBlobs()),
  );
  const getCluster = once<Cluster>(() => clusterFromEnv(env, getPlatform(), options));
  const getControlPlane = once(async () => {
    const [store, cluster, blobs] = await Promise.all([getStore(), getCluster(), getBlobs()]);
    const builds = imageBuildsFromEnv(env, {
      platform: getPlatform(),
      cluster,
      blobs,
      context: options.runtimeContext ?? runtimeContext,
      ...(options.log ? { log: options.log } : {}),
    });
    return new ControlPlane({
      store,
      cluster,
      platform: getPlatform(),
      runtimeImage: runtimeImage(env, getPlatform()),
      ...(builds ? { builds } : {}),
      gcMinAgeSeconds: numberFromEnv(env, 'FLEETPLANE_GC_MIN_AGE_SECONDS', DEFAULT_GC_MIN_AGE_SECONDS, [
        0,
        365 * 86_400,
      ]),
      sweep: {
        maxUnexplainedShare: numberFromEnv(
          env,
          'FLEETPLANE_SWEEP_MAX_DELETE_SHARE',
          DEFAULT_SWEEP_OPTIONS.maxUnexplainedShare,
          [0, 1],
        ),
        budgetWindowMs:
          numberFromEnv(
            env,
            'FLEETPLANE_SWEEP_BUDGET_HOURS',
            DEFAULT_SWEEP_OPTIONS.budgetWindowMs / 3_600_000,
            [1, 24 * 365],
          ) * 3_600_000,
      },
    });
  });
  return {
    platform: getPlatform,
    store: getStore,
    cluster: getCluster,
    controlPlane: getControlPlane,
    /** Whether agents with `"cloud": "local"` can run here (the local server only). */
    localAgents: options.localTarget !== undefined,
    /** Which agents run as this server's processes, and so may call loopback hosts (DeployTarget). */
    localProcesses: (): LocalProcesses => {
      if (!options.localTarget) return 'none';
      try {
        return kubeconfigText(env) ? 'cloud-local' : 'all';
      } catch {
        return 'cloud-local';
      }
    },
    health: async (): Promise<HealthProbes> => {
      // /health is public: it names the kind of each dependency, never bucket names or URLs.
      // A dependency the settings cannot build answers its ping with a SettingsError, so the
      // other one is still pinged and the route says which of them is misconfigured.
      const probe = async (kind: () => string, create: () => Promise<{ ping(): Promise<void> }>) => {
        try {
          const target = kind();
          const dependency = await create();
          return { target, ping: () => dependency.ping() };
        } catch (error) {
          const misconfigured = new SettingsError('cannot be built from the settings', { cause: error });
          return { target: 'configuration', ping: () => Promise.reject(misconfigured) };
        }
      };
      const [store, cluster] = await Promise.all([
        probe(() => (storeLocation(env).kind === 's3' ? 's3' : 'local directory'), getStore),
        probe(() => (kubeconfigText(env) ? 'kubernetes' : 'local processes'), getCluster),
      ]);
      return { store, cluster };
    },
  };
}

export type Providers = ReturnType<typeof providersFromEnv>;

/** For the sweep function's entry, which loads this chunk alone (see functions/build.ts). */
export { logSweep } from '../control-plane/sweep.ts';
