/**
 * The control plane's whole app, in process, wired to the real test environment (kube-apiserver
 * with kwok nodes, MinIO): requests go through `app.request()`, dependencies are the real ones.
 * Each harness gets its own S3 prefix so test files never see each other's agents.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KubeCluster } from '../../functions/src/cluster/kube-cluster.ts';
import { S3Blobs } from '../../functions/src/store/s3-blobs.ts';
import type { Env } from '../../functions/src/wiring/env.ts';
import type { ProviderOptions } from '../../functions/src/wiring/providers.ts';
import { storeLocation } from '../../functions/src/wiring/store-from-env.ts';
import { testEnv } from '../env/inject.ts';
import { inProcessPlane, PLANE_TOKEN, planeEnv } from './fleet-plane.ts';

export { waitFor } from './wait.ts';

export const TEST_TOKEN = PLANE_TOKEN;
export const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The settings of a control plane on the test environment, with its own store prefix. */
export function environmentFor(overrides: Env = {}): Env {
  return planeEnv(testEnv(), overrides, 'test');
}

/** The whole app in process on the test environment (see fleet-plane.ts). */
export function harness(overrides: Env = {}, options: ProviderOptions = {}) {
  return inProcessPlane(environmentFor(overrides), options);
}

/** The blobs under a harness's store, for tests that must act behind the control plane's back. */
export function storeBlobs(env: Env): S3Blobs {
  const t = testEnv();
  const location = storeLocation(env);
  if (location.kind !== 's3') throw new Error('storeBlobs needs an s3:// store');
  return new S3Blobs({
    bucket: location.bucket,
    prefix: location.prefix,
    endpoint: t.s3.endpoint,
    region: t.s3.region,
    credentials: { accessKeyId: t.s3.accessKeyId, secretAccessKey: t.s3.secretAccessKey },
  });
}

/** An admin view of the cluster, for assertions that must not go through the code under test. */
export function adminCluster() {
  const t = testEnv();
  return new KubeCluster({
    kubeconfig: readFileSync(t.kubeconfigPath, 'utf8'),
    namespace: t.namespace,
  });
}
