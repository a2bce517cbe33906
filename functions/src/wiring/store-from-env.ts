/**
 * Which store the control plane keeps desired state in: FLEETPLANE_STORE, `file://<dir>`
 * (the local server's default) or `s3://<bucket>[/<prefix>]` (Spaces; endpoint, region and
 * keys from FLEETPLANE_S3_ENDPOINT, FLEETPLANE_S3_REGION, AWS_ACCESS_KEY_ID/SECRET_ACCESS_KEY).
 * The S3 SDK is imported on first use only.
 */
import type { BlobStore } from '../store/blob-store.ts';
import type { ConfigStore } from '../store/config-store.ts';
import { DEFAULT_REVISIONS_KEPT, RecordStore } from '../store/record-store.ts';
import { type Env, envValue, SettingsError } from './env.ts';

/** The local server's store when FLEETPLANE_STORE is unset. */
export const DEFAULT_STORE_DIRECTORY = '.fleetplane';
export const DEFAULT_STORE_URL = `file://${DEFAULT_STORE_DIRECTORY}`;

export type StoreLocation =
  | { kind: 'file'; directory: string }
  | { kind: 's3'; bucket: string; prefix: string };

export function storeLocation(env: Env): StoreLocation {
  const url = envValue(env, 'FLEETPLANE_STORE') ?? DEFAULT_STORE_URL;
  if (url.startsWith('file://'))
    return { kind: 'file', directory: url.slice('file://'.length) || DEFAULT_STORE_DIRECTORY };
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (!match)
    throw new SettingsError(
      `FLEETPLANE_STORE must be file://<dir> or s3://<bucket>[/<prefix>] (got "${url}")`,
    );
  return { kind: 's3', bucket: match[1] as string, prefix: match[2] ?? '' };
}

/** Where the local server keeps local files: the directory store's own, else the default one. */
export function localDirectory(env: Env): string {
  const url = envValue(env, 'FLEETPLANE_STORE');
  return (url?.startsWith('file://') && url.slice('file://'.length)) || DEFAULT_STORE_DIRECTORY;
}

/** A whole number from the environment, or the default; anything else is a SettingsError. */
export function numberFromEnv(env: Env, name: string, fallback: number, range: [number, number]): number {
  const text = envValue(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < range[0] || value > range[1])
    throw new SettingsError(`${name} must be a number from ${range[0]} to ${range[1]} (got "${text}")`);
  return value;
}

export interface StoreRequirements {
  /**
   * Refuse to run without an explicit `s3://` store (the functions): a missing or empty
   * FLEETPLANE_STORE must never quietly become an empty local directory.
   */
  requireS3?: boolean;
}

/** The blobs of the store FLEETPLANE_STORE names: a local directory or an S3 bucket (and prefix). */
export async function blobsFromEnv(env: Env): Promise<BlobStore> {
  const location = storeLocation(env);
  if (location.kind === 'file') {
    const { FileBlobs } = await import('../store/file-blobs.ts');
    return new FileBlobs(location.directory);
  }
  const { S3Blobs } = await import('../store/s3-blobs.ts');
  const accessKeyId = envValue(env, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = envValue(env, 'AWS_SECRET_ACCESS_KEY');
  const endpoint = envValue(env, 'FLEETPLANE_S3_ENDPOINT');
  return new S3Blobs({
    bucket: location.bucket,
    prefix: location.prefix,
    ...(endpoint ? { endpoint } : {}),
    region: envValue(env, 'FLEETPLANE_S3_REGION') ?? 'us-east-1',
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
  });
}

/** The config store; `blobs` shares a store's blobs with others (build contexts live beside the configs). */
export async function storeFromEnv(
  env: Env,
  requirements: StoreRequirements = {},
  blobs?: BlobStore,
): Promise<ConfigStore> {
  const location = storeLocation(env);
  const options = {
    revisionsKept: numberFromEnv(env, 'FLEETPLANE_REVISIONS_KEPT', DEFAULT_REVISIONS_KEPT, [1, 1000]),
  };
  if (requirements.requireS3 && (location.kind !== 's3' || !envValue(env, 'FLEETPLANE_STORE')))
    throw new SettingsError(
      `FLEETPLANE_STORE must name the fleet's bucket, s3://<bucket>[/<prefix>] (got ${JSON.stringify(env.FLEETPLANE_STORE ?? '')}); the functions never fall back to a local directory`,
    );
  return new RecordStore(blobs ?? (await blobsFromEnv(env)), options);
}
