/**
 * The control plane's whole app, in process, wired to the real test environment (kube-apiserver
 * with kwok nodes, MinIO): requests go through `app.request()`, dependencies are the real ones.
 * Each harness gets its own S3 prefix so test files never see each other's agents.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KubeCluster } from '../../functions/src/cluster/kube-cluster.ts';
import { createFullApp } from '../../functions/src/full-app.ts';
import { silentLogger } from '../../functions/src/lib/logger.ts';
import { S3Blobs } from '../../functions/src/store/s3-blobs.ts';
import type { Env } from '../../functions/src/wiring/env.ts';
import { type ProviderOptions, providersFromEnv } from '../../functions/src/wiring/providers.ts';
import { storeLocation } from '../../functions/src/wiring/store-from-env.ts';
import { testEnv } from '../env/inject.ts';

export { waitFor } from './wait.ts';

export const TEST_TOKEN = 'fp-test-token-0123456789';
export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function environmentFor(overrides: Env = {}): Env {
  const t = testEnv();
  return {
    KUBECONFIG: t.kubeconfigPath,
    FLEETPLANE_STORE: `s3://${t.s3.bucket}/test-${randomUUID().slice(0, 8)}`,
    FLEETPLANE_S3_ENDPOINT: t.s3.endpoint,
    FLEETPLANE_S3_REGION: t.s3.region,
    AWS_ACCESS_KEY_ID: t.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: t.s3.secretAccessKey,
    FLEETPLANE_NAMESPACE: t.namespace,
    FLEETPLANE_BUILD_NAMESPACE: t.buildNamespace,
    FLEETPLANE_DOMAIN: 'agents.test.local',
    FLEETPLANE_RUNTIME_IMAGE: `${t.registry}/fleetplane/agent-runtime:test`,
    FLEETPLANE_API_TOKEN_HASHES: sha256(TEST_TOKEN),
    ...overrides,
  };
}

export function harness(overrides: Env = {}, options: ProviderOptions = {}) {
  const env = environmentFor(overrides);
  const providers = providersFromEnv(env, options);
  const app = createFullApp({ env, providers, log: silentLogger, openWhenUnconfigured: false });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests read deep fields of JSON answers
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, headers: response.headers, json };
  };
  return { app, env, providers, call };
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
