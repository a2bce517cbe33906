/**
 * The store section's verdicts, over an in-memory bucket: a stand-in for S3 (the integration
 * test, doctor.test.ts in test/integration, runs the same checks on MinIO). A bucket that
 * ignores conditions fails naming what it ignores; one whose part reads are wrong fails naming
 * Kaniko; every scratch key is gone afterwards, and a store that keeps one fails.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../core/errors.ts';
import type { Blob, ListPage, WriteCondition } from '../store/blob-store.ts';
import { type StoreProbeTarget, storeChecks } from './store-checks.ts';

class MemoryBucket implements StoreProbeTarget {
  readonly description = 's3://memory/ (a stand-in)';
  readonly objects = new Map<string, { bytes: Uint8Array; etag: string }>();
  private version = 0;
  ignoreConditions = false;
  brokenParts = false;
  keepDeleted = false;
  exists = true;

  async bucketExists() {
    return this.exists;
  }
  async getBytes(key: string) {
    const object = this.objects.get(key);
    return object && { bytes: object.bytes, etag: object.etag };
  }
  async get(key: string): Promise<Blob | undefined> {
    const object = this.objects.get(key);
    return object && { body: Buffer.from(object.bytes).toString('utf8'), etag: object.etag };
  }
  async put(key: string, body: string | Uint8Array, condition: WriteCondition = {}): Promise<string> {
    const current = this.objects.get(key);
    if (!this.ignoreConditions) {
      if ('ifNoneMatch' in condition && current) throw new ConflictError('exists');
      if ('ifMatch' in condition && current?.etag !== condition.ifMatch) throw new ConflictError('stale');
    }
    const etag = `"${++this.version}"`;
    this.objects.set(key, { bytes: typeof body === 'string' ? Buffer.from(body) : body, etag });
    return etag;
  }
  async delete(key: string) {
    if (!this.keepDeleted) this.objects.delete(key);
  }
  async list(prefix: string): Promise<ListPage> {
    return { keys: [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort(), prefixes: [] };
  }
  async ping() {}
  async getPart(key: string, partNumber: number) {
    const object = this.objects.get(key);
    if (!object || partNumber !== 1) return undefined;
    return this.brokenParts ? object.bytes.slice(0, 10) : object.bytes;
  }
  async getRange(key: string, first: number, last: number) {
    return this.objects.get(key)?.bytes.slice(first, last + 1);
  }
}

const verdicts = (results: { id: string; status: string }[]) => results.map((r) => `${r.id} ${r.status}`);

describe('the store section', () => {
  it('is all ok on a bucket that enforces conditions and reads parts, and leaves nothing behind', async () => {
    const bucket = new MemoryBucket();
    const results = await storeChecks(bucket);
    expect(verdicts(results)).toEqual([
      'store.bucket ok',
      'store.write-conditions ok',
      'store.part-get ok',
      'store.cleanup ok',
    ]);
    expect(bucket.objects.size).toBe(0);
  });

  it('fails on a bucket that ignores conditional writes, naming both headers, and still cleans up', async () => {
    const bucket = new MemoryBucket();
    bucket.ignoreConditions = true;
    const results = await storeChecks(bucket);
    const conditions = results.find((r) => r.id === 'store.write-conditions');
    expect(conditions).toMatchObject({ status: 'fail' });
    expect(conditions?.summary).toBe(
      'the store accepted writes it must refuse: it ignores If-None-Match and If-Match, so two deploys at once could overwrite each other; the control plane refuses to run on it',
    );
    expect(bucket.objects.size).toBe(0);
  });

  it('fails when part 1 is not the object, as Kaniko would', async () => {
    const bucket = new MemoryBucket();
    bucket.brokenParts = true;
    const part = (await storeChecks(bucket)).find((r) => r.id === 'store.part-get');
    expect(part?.status).toBe('fail');
    expect(part?.summary).toMatch(
      /^a GET of part 1 \(partNumber=1\) answered 10 bytes that differ from the 98304 written/,
    );
  });

  it('fails when a scratch key stays, naming it; and when the bucket is missing, says so first', async () => {
    const keeping = new MemoryBucket();
    keeping.keepDeleted = true;
    const cleanup = (await storeChecks(keeping)).find((r) => r.id === 'store.cleanup');
    expect(cleanup?.status).toBe('fail');
    expect(cleanup?.summary).toMatch(
      /^scratch keys are left under probes\/doctor-[0-9a-f]{8}\/: .*conditions\.json/,
    );
    const missing = new MemoryBucket();
    missing.exists = false;
    expect(await storeChecks(missing)).toEqual([
      expect.objectContaining({
        id: 'store.bucket',
        status: 'fail',
        summary: 's3://memory/ (a stand-in) answers, but the bucket does not exist',
      }),
    ]);
  });
});
