/**
 * Pinned versions of every server the test environment runs, and where their builds live.
 * The cache directory of each part is keyed by its version and recipe revision, so a bump here
 * rebuilds that part and nothing else. Must never read the environment at module load.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const KUBERNETES_VERSION = 'v1.35.4';
export const ETCD_VERSION = 'v3.5.35';
export const KWOK_VERSION = 'v0.8.0';
/**
 * MinIO tags are `RELEASE.<date>`, which the Go module proxy cannot resolve (it answers 403 for
 * non-semver tags), so the pin is the pseudo-version of the last commit the proxy serves.
 */
export const MINIO_VERSION = 'v0.0.0-20260212201848-7aac2a2c5b7c';
export const DISTRIBUTION_VERSION = 'v3.1.2';
export const CRANE_VERSION = 'v0.22.1';
export const GATEWAY_API_VERSION = 'v1.4.1';

/** Bump when a recipe changes in a way that must invalidate cached binaries. */
export const RECIPE_REVISION = 1;

export type PartName = 'etcd' | 'kube' | 'kubectl' | 'kwok' | 'minio' | 'registry' | 'crane' | 'gateway-api';

export const PART_VERSIONS: Record<PartName, string> = {
  etcd: ETCD_VERSION,
  kube: KUBERNETES_VERSION,
  kubectl: KUBERNETES_VERSION,
  kwok: KWOK_VERSION,
  minio: MINIO_VERSION,
  registry: DISTRIBUTION_VERSION,
  crane: CRANE_VERSION,
  'gateway-api': GATEWAY_API_VERSION,
};

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLEETPLANE_TESTENV_CACHE || join(homedir(), '.cache', 'fleetplane-testenv');
}

export function partDir(part: PartName, root = cacheRoot()): string {
  return join(root, `${part}-${PART_VERSIONS[part]}-r${RECIPE_REVISION}`);
}

/** Absolute paths of the built artefacts the start-up code needs. */
export function artefacts(root = cacheRoot()) {
  const bin = (part: PartName, name: string) => join(partDir(part, root), 'bin', name);
  return {
    etcd: bin('etcd', 'etcd'),
    kubeApiserver: bin('kube', 'kube-apiserver'),
    kubeControllerManager: bin('kube', 'kube-controller-manager'),
    kubeScheduler: bin('kube', 'kube-scheduler'),
    kubectl: bin('kubectl', 'kubectl'),
    kwok: bin('kwok', 'kwok'),
    minio: bin('minio', 'minio'),
    registry: bin('registry', 'registry'),
    crane: bin('crane', 'crane'),
    gatewayApiCrdDir: join(partDir('gateway-api', root), 'crds'),
  };
}

export type Artefacts = ReturnType<typeof artefacts>;
