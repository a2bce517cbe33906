/**
 * What this store saw its builds make: one record per image, `builds/images/<hash>.json`
 * beside the build contexts, holding the digest the build Job itself reported (Kaniko's
 * `--digest-file`), never what a registry answers under the tag. Agents are pinned to that
 * digest once a build's Job is gone, and gc deletes only tags recorded here: a tag another
 * fleet, a person or a CI job pushed into the same repository is never this store's to delete.
 *
 * Over the store's BlobStore; must never touch a key outside `builds/images/`. A record that
 * does not parse is skipped, never guessed at.
 */
import { ConflictError } from '../core/errors.ts';
import type { BuildRecord } from '../core/gc-plan.ts';
import { sha256Hex } from '../core/hash.ts';
import { mapLimit } from '../lib/map-limit.ts';
import { type BlobStore, listAll } from '../store/blob-store.ts';

const PREFIX = 'builds/images/';
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const TAG = /^[0-9a-f]{64}$/;

export type { BuildRecord };

export interface BuildRecordStore {
  read(image: string): Promise<BuildRecord | undefined>;
  /** Creates or replaces the record of `record.image`. */
  write(record: BuildRecord): Promise<void>;
  list(): Promise<BuildRecord[]>;
  remove(image: string): Promise<void>;
}

function parseRecord(body: string): BuildRecord | undefined {
  try {
    const value = JSON.parse(body) as Partial<BuildRecord>;
    if (
      typeof value.image !== 'string' ||
      typeof value.tag !== 'string' ||
      !TAG.test(value.tag) ||
      typeof value.digest !== 'string' ||
      !DIGEST.test(value.digest) ||
      typeof value.job !== 'string' ||
      typeof value.recordedAt !== 'string'
    )
      return undefined;
    return {
      image: value.image,
      tag: value.tag,
      digest: value.digest,
      job: value.job,
      ...(typeof value.builtAt === 'string' ? { builtAt: value.builtAt } : {}),
      recordedAt: value.recordedAt,
    };
  } catch {
    return undefined;
  }
}

export class BuildRecords implements BuildRecordStore {
  private readonly blobs: BlobStore;

  constructor(blobs: BlobStore) {
    this.blobs = blobs;
  }

  private key(image: string) {
    return `${PREFIX}${sha256Hex(image).slice(0, 32)}.json`;
  }

  async read(image: string): Promise<BuildRecord | undefined> {
    const blob = await this.blobs.get(this.key(image));
    const record = blob && parseRecord(blob.body);
    return record?.image === image ? record : undefined;
  }

  async write(record: BuildRecord): Promise<void> {
    if (!DIGEST.test(record.digest)) throw new Error(`not an image digest: ${record.digest}`);
    const key = this.key(record.image);
    const body = `${JSON.stringify(record, null, 2)}\n`;
    const current = await this.blobs.get(key);
    try {
      await this.blobs.put(key, body, current ? { ifMatch: current.etag } : { ifNoneMatch: '*' });
    } catch (error) {
      // Another process recorded the same build first; its record is as good as ours.
      if (!(error instanceof ConflictError)) throw error;
    }
  }

  async list(): Promise<BuildRecord[]> {
    const { keys } = await listAll(this.blobs, PREFIX);
    const records = await mapLimit(
      keys.filter((key) => key.endsWith('.json')),
      8,
      (key) => this.blobs.get(key),
    );
    return records.flatMap((blob) => {
      const record = blob && parseRecord(blob.body);
      return record ? [record] : [];
    });
  }

  async remove(image: string): Promise<void> {
    await this.blobs.delete(this.key(image));
  }
}
