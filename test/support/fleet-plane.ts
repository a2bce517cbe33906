/**
 * The control plane's whole app in process against a test environment given by value, for code
 * that runs outside vitest (the benchmarks): control-plane-harness.ts does the same inside vitest,
 * where the environment comes from `inject`. Each plane gets its own S3 prefix unless it is given
 * one, so a second plane on the same prefix is the same fleet seen by a fresh (cold) process.
 * Must never touch a store prefix it was not given or did not make.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createFullApp } from '../../functions/src/full-app.ts';
import { silentLogger } from '../../functions/src/lib/logger.ts';
import { mapLimit } from '../../functions/src/lib/map-limit.ts';
import { listAll } from '../../functions/src/store/blob-store.ts';
import { S3Blobs } from '../../functions/src/store/s3-blobs.ts';
import type { Env } from '../../functions/src/wiring/env.ts';
import { type ProviderOptions, providersFromEnv } from '../../functions/src/wiring/providers.ts';
import { storeLocation } from '../../functions/src/wiring/store-from-env.ts';
import type { TestEnv } from '../env/types.ts';

/** The bearer token every in-process plane accepts. */
export const PLANE_TOKEN = 'fp-test-token-0123456789';

/**
 * The settings a deployed control plane would have, pointed at `t`: a fresh store prefix
 * (`<prefix>-<random>`) unless the overrides name a store.
 */
export function planeEnv(t: TestEnv, overrides: Env = {}, prefix = 'bench'): Env {
  return {
    // The control plane's ServiceAccount, under the admission policy, as a deployed one runs.
    KUBECONFIG: t.controlPlaneKubeconfigPath,
    FLEETPLANE_STORE: `s3://${t.s3.bucket}/${prefix}-${randomUUID().slice(0, 8)}`,
    FLEETPLANE_S3_ENDPOINT: t.s3.endpoint,
    FLEETPLANE_S3_REGION: t.s3.region,
    AWS_ACCESS_KEY_ID: t.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: t.s3.secretAccessKey,
    FLEETPLANE_NAMESPACE: t.namespace,
    FLEETPLANE_BUILD_NAMESPACE: t.buildNamespace,
    FLEETPLANE_DOMAIN: 'agents.test.local',
    // Pinned, as the tests do: kwok runs any image, and no build is involved.
    FLEETPLANE_RUNTIME_IMAGE: `${t.registry}/fleetplane/agent-runtime:test`,
    FLEETPLANE_API_TOKEN_HASHES: createHash('sha256').update(PLANE_TOKEN).digest('hex'),
    ...overrides,
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  /** The body as sent, for its size. */
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: callers read deep fields of JSON answers
  json: any;
}

/**
 * A fresh process's worth of control plane: its own providers (clients, caches) and app.
 * `call` sends JSON (a string body as it is) with the plane's token, unless headers say otherwise.
 */
export function inProcessPlane(env: Env, options: ProviderOptions = {}) {
  const providers = providersFromEnv(env, options);
  const app = createFullApp({ env, providers, log: silentLogger, openWhenUnconfigured: false });
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const response = await app.request(path, {
      method,
      headers: { authorization: `Bearer ${PLANE_TOKEN}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: response.status, headers: response.headers, text, json };
  };
  return { env, providers, app, call };
}

export type InProcessPlane = ReturnType<typeof inProcessPlane>;

/** Deletes every blob under the plane's store prefix (records, revisions, tombstones, fleet.json). */
export async function removeStore(t: TestEnv, env: Env): Promise<number> {
  const location = storeLocation(env);
  if (location.kind !== 's3' || !location.prefix)
    throw new Error('removeStore needs an s3:// store with a prefix');
  const blobs = new S3Blobs({
    bucket: location.bucket,
    prefix: location.prefix,
    endpoint: t.s3.endpoint,
    region: t.s3.region,
    credentials: { accessKeyId: t.s3.accessKeyId, secretAccessKey: t.s3.secretAccessKey },
  });
  const { keys } = await listAll(blobs, '');
  await mapLimit(keys, 16, (key) => blobs.delete(key));
  return keys.length;
}
