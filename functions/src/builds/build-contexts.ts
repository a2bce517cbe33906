/**
 * Build contexts in the store's bucket, next to the configs: `builds/<tag>.tar.gz`, where Kaniko
 * reads them (`--context=s3://<bucket>/<prefix>builds/<tag>.tar.gz`). Content-addressed, so an
 * upload is skipped when the key exists, and two concurrent uploads of one tag are harmless
 * (the second is refused by If-None-Match and counts as done).
 *
 * Over the store's BlobStore; must never touch a key outside `builds/`.
 */
import { ConflictError } from '../core/errors.ts';
import { type BlobStore, listAll } from '../store/blob-store.ts';

const PREFIX = 'builds/';
const SUFFIX = '.tar.gz';
const TAG = /^[0-9a-f]{64}$/;

export interface ContextStore {
  /** Where Kaniko finds the context of `tag`. */
  url(tag: string): string;
  /** Uploads the context unless it is there; `bytes` is called only for an upload. */
  ensure(tag: string, bytes: () => Promise<Uint8Array>): Promise<'present' | 'uploaded'>;
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

  async ensure(tag: string, bytes: () => Promise<Uint8Array>): Promise<'present' | 'uploaded'> {
    const key = this.key(tag);
    const { keys } = await this.blobs.list(key, { limit: 1 });
    if (keys.includes(key)) return 'present';
    try {
      await this.blobs.put(key, await bytes(), { ifNoneMatch: '*' }, { contentType: 'application/gzip' });
      return 'uploaded';
    } catch (error) {
      if (error instanceof ConflictError) return 'present';
      throw error;
    }
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
