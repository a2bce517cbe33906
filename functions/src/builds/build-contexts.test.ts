/**
 * Build contexts are trusted by their bytes, not their key: on a real directory store (the S3
 * path is exercised by test/integration/builds.test.ts), a pre-placed object under the
 * context's key is found out and replaced before any build could read it.
 */
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../../test/support/scratch.ts';
import { UnavailableError } from '../core/errors.ts';
import { sha256Hex } from '../core/hash.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { FileBlobs } from '../store/file-blobs.ts';
import { BuildContexts } from './build-contexts.ts';

const TAG = 'a'.repeat(64);
const KEY = `builds/${TAG}.tar.gz`;
const ours = new Uint8Array([31, 139, 8, 0, 1, 2, 3, 4]);
const location = { bucket: 'fleet', prefix: 'prod' };

async function store() {
  const blobs = new FileBlobs(await scratchDir('fleetplane-contexts-'));
  return { blobs, contexts: new BuildContexts(blobs, location) };
}

describe('build contexts', () => {
  it('upload once, then find the same bytes present; Kaniko is pointed at the key', async () => {
    const { blobs, contexts } = await store();
    expect(contexts.url(TAG)).toBe(`s3://fleet/prod/${KEY}`);
    expect(await contexts.ensure(TAG, async () => ours)).toEqual({
      state: 'uploaded',
      sha256: sha256Hex(ours),
    });
    expect(await contexts.ensure(TAG, async () => ours)).toEqual({
      state: 'present',
      sha256: sha256Hex(ours),
    });
    expect((await blobs.getBytes(KEY))?.bytes).toEqual(ours);
    expect(await contexts.list()).toEqual([TAG]);
  });

  // The attack on the old code: a context placed under the key before the first build was used
  // as it was, because the key existed.
  it('replace an object that holds other bytes under the key, and say what they were', async () => {
    const { blobs, contexts } = await store();
    const planted = new TextEncoder().encode('FROM attacker.example/backdoor\n');
    await blobs.put(KEY, planted, { ifNoneMatch: '*' });
    const ensured = await contexts.ensure(TAG, async () => ours);
    expect(ensured).toEqual({ state: 'replaced', sha256: sha256Hex(ours), found: sha256Hex(planted) });
    expect((await blobs.getBytes(KEY))?.bytes).toEqual(ours);
  });

  it('refuse, naming both hashes, when the key cannot be made to hold the right bytes', async () => {
    const { blobs } = await store();
    // A bucket where someone rewrites the key after every write of ours.
    const planted = new TextEncoder().encode('planted');
    const hostile: BlobStore = {
      ...blobs,
      description: blobs.description,
      get: (key) => blobs.get(key),
      getBytes: (key) => blobs.getBytes(key),
      put: async (key, body, condition, options) => {
        await blobs.put(key, body, condition, options);
        return blobs.put(key, planted);
      },
      delete: (key, condition) => blobs.delete(key, condition),
      list: (prefix, options) => blobs.list(prefix, options),
      ping: () => blobs.ping(),
    };
    const contexts = new BuildContexts(hostile, location);
    const refused = contexts.ensure(TAG, async () => ours);
    await expect(refused).rejects.toBeInstanceOf(UnavailableError);
    await expect(refused).rejects.toThrow(
      new RegExp(`does not hold the bytes .*sha256 ${sha256Hex(ours)}, found ${sha256Hex(planted)}`),
    );
  });

  it('never name a key that is not a context tag', async () => {
    const { contexts } = await store();
    expect(() => contexts.url('../agents/x')).toThrow(/not a build context tag/);
  });
});
