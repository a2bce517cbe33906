/**
 * Whether a blob backend enforces conditional writes: a create with `If-None-Match: *` over an
 * existing key and a replace with a stale `If-Match` must both be refused. Every consistency
 * guarantee of the store rests on both; the record store proves it before its first write, and
 * `fleetplane doctor` reports it. One probe, written once, used by both.
 *
 * Writes one scratch key and always removes it, whatever happens in between.
 */
import { ConflictError } from '../core/errors.ts';
import type { BlobStore } from './blob-store.ts';

export interface WriteConditionsProbe {
  /** A second create of the same key with If-None-Match: * was refused. */
  createRefused: boolean;
  /** A replace with an etag the key never had (If-Match) was refused. */
  staleRefused: boolean;
}

/** Refused with a ConflictError: true; accepted: false; any other failure propagates. */
async function refused(write: () => Promise<unknown>): Promise<boolean> {
  return write().then(
    () => false,
    (error: unknown) => {
      if (error instanceof ConflictError) return true;
      throw error;
    },
  );
}

export async function probeWriteConditions(blobs: BlobStore, key: string): Promise<WriteConditionsProbe> {
  try {
    const etag = await blobs.put(key, '{"probe":1}\n', { ifNoneMatch: '*' });
    const createRefused = await refused(() => blobs.put(key, '{"probe":2}\n', { ifNoneMatch: '*' }));
    const staleRefused = await refused(() => blobs.put(key, '{"probe":3}\n', { ifMatch: '"0"' }));
    await blobs.put(key, '{"probe":4}\n', { ifMatch: etag }).catch(() => undefined);
    return { createRefused, staleRefused };
  } finally {
    await blobs.delete(key).catch(() => undefined);
  }
}

/** The header a backend ignores, for a message; undefined when it enforces both. */
export function ignoredCondition(probe: WriteConditionsProbe): string | undefined {
  if (!probe.createRefused && !probe.staleRefused) return 'If-None-Match and If-Match';
  if (!probe.createRefused) return 'If-None-Match';
  if (!probe.staleRefused) return 'If-Match';
  return undefined;
}
