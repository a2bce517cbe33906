/**
 * Build contexts in the store's bucket, next to the configs: `builds/<tag>.tar.gz`, where Kaniko
 * reads them (`--context=s3://<bucket>/<prefix>builds/<tag>.tar.gz`). Content-addressed by the
 * tag, so an upload is skipped when the key holds the right bytes, and two concurrent uploads of
 * one tag are harmless (the second is refused by If-None-Match).
 *
 * A key is trusted by its bytes, never by its name: `ensure` uploads with the bytes' SHA-256 and
 * reads the stored object back before a build may use it. An object that does not match (left
 * there by anyone who could write to the bucket) is replaced, exactly that version of it
 * (If-Match), and the caller hears of it; one that cannot be replaced is refused.
 *
 * Over the store's BlobStore; must never touch a key outside `builds/`.
 */
import { ConflictError, UnavailableError } from '../core/errors.ts';
import { sha256Hex } from '../core/hash.ts';
import { type BlobStore, listAll } from '../store/blob-store.ts';

const PREFIX = 'builds/';
const SUFFIX = '.tar.gz';
const TAG = /^[0-9a-f]{64}$/;
/** Rounds of replace-and-check against a writer that keeps changing the object. */
const ATTEMPTS = 3;

export interface EnsuredContext {
  /** Already there with the right bytes, put there now, or put there over bytes that did not match. */
  state: 'present' | 'uploaded' | 'replaced';
  /** The SHA-256 of the context as stored and verified. */
  sha256: string;
  /** When replaced: the SHA-256 of what the key held instead. */
  found?: string;
}

export interface ContextStore {
  /** Where Kaniko finds the context of `tag`. */
  url(tag: string): string;
  /** Makes the key hold exactly `bytes()`, verified by reading it back. */
  ensure(tag: string, bytes: () => Promise<Uint8Array>): Promise<EnsuredContext>;
  /** Tags of every stored context. */
  list(): Promise<string[]>;
  remove(tag: string): Promise<void>;
}

export class BuildContexts implements ContextStore {
  private readonly blobs: BlobStore;
  private readonly root: string;

  /** `bucket` and `prefix` are the store's (FLEETPLANE_STORE=s3://<bucket>[/<prefix>]). */
  constructor(blobs: BlobStore, location: { bucket: string; prefix: string }) {
    this.blobs = blobs;
    const prefix = location.prefix ? `${location.prefix.replace(/\/+$/, '')}/` : '';
    this.root = `s3://${location.bucket}/${prefix}`;
  }

  private key(tag: string) {
    if (!TAG.test(tag)) throw new Error(`not a build context tag: ${tag}`);
    return `${PREFIX}${tag}${SUFFIX}`;
  }

  url(tag: string) {
    return `${this.root}${this.key(tag)}`;
  }

  async ensure(tag: string, bytes: () => Promise<Uint8Array>): Promise<EnsuredContext> {
    const key = this.key(tag);
    const body = await bytes();
    const sha256 = sha256Hex(body);
    const put = { contentType: 'application/gzip', sha256 };
    let found: string | undefined;
    for (let attempt = 0; ; attempt++) {
      const stored = await this.blobs.getBytes(key);
      if (stored && sha256Hex(stored.bytes) === sha256)
        return found
          ? { state: 'replaced', sha256, found }
          : { state: attempt ? 'uploaded' : 'present', sha256 };
      if (stored) found = sha256Hex(stored.bytes);
      if (attempt === ATTEMPTS) break;
      try {
        // Replace exactly the version that was read; create only where nothing is.
        await this.blobs.put(key, body, stored ? { ifMatch: stored.etag } : { ifNoneMatch: '*' }, put);
      } catch (error) {
        // Another writer got there first: read again and judge what it left.
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    throw new UnavailableError(
      'store',
      `the build context ${key} does not hold the bytes this control plane built (sha256 ${sha256}${found ? `, found ${found}` : ''}) and could not be replaced: something keeps writing to it; check who can write to the bucket`,
      30,
    );
  }

  async list(): Promise<string[]> {
    const { keys } = await listAll(this.blobs, PREFIX);
    return keys
      .filter((key) => key.endsWith(SUFFIX))
      .map((key) => key.slice(PREFIX.length, -SUFFIX.length))
      .filter((tag) => TAG.test(tag));
  }

  async remove(tag: string): Promise<void> {
    await this.blobs.delete(this.key(tag));
  }
}
