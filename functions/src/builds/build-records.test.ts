/** What a store recorded of its builds, on a real directory store: kept per image, parsed strictly. */
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../../test/support/scratch.ts';
import { FileBlobs } from '../store/file-blobs.ts';
import { type BuildRecord, BuildRecords } from './build-records.ts';

const record = (image: string, digest: string): BuildRecord => ({
  image,
  tag: 'b'.repeat(64),
  digest,
  job: 'build-bbbbbbbbbbbb',
  builtAt: '2026-01-01T00:00:00.000Z',
  recordedAt: '2026-01-01T00:00:01.000Z',
});
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

describe('build records', () => {
  it('keeps one record per image, replaced by a newer build of the same tag', async () => {
    const blobs = new FileBlobs(await scratchDir('fleetplane-records-'));
    const records = new BuildRecords(blobs);
    const a = 'registry.example/acme/agent-runtime:bbbbbbbbbbbb';
    const b = 'registry.example/other/agent-runtime:bbbbbbbbbbbb';
    expect(await records.read(a)).toBeUndefined();
    await records.write(record(a, D1));
    await records.write(record(b, D1));
    await records.write(record(a, D2));
    expect(await records.read(a)).toEqual(record(a, D2));
    expect((await records.list()).map((r) => `${r.image} ${r.digest}`).sort()).toEqual(
      [`${a} ${D2}`, `${b} ${D1}`].sort(),
    );
    await records.remove(a);
    expect(await records.read(a)).toBeUndefined();
    expect((await records.list()).map((r) => r.image)).toEqual([b]);
    // Everything lives under builds/images/, beside the contexts.
    expect((await blobs.list('builds/')).keys.every((key) => key.startsWith('builds/images/'))).toBe(true);
  });

  it('skips a record that does not parse, and refuses to write one without a digest', async () => {
    const blobs = new FileBlobs(await scratchDir('fleetplane-records-'));
    const records = new BuildRecords(blobs);
    await blobs.put('builds/images/garbage.json', '{"image": "x", "digest": "latest"}');
    expect(await records.list()).toEqual([]);
    await expect(records.write(record('registry.example/a:b', 'latest'))).rejects.toThrow(
      /not an image digest/,
    );
  });
});
