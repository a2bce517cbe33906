import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../../test/support/scratch.ts';
import { storedRecord } from '../../../test/support/stored-record.ts';
import { ConflictError } from '../core/errors.ts';
import { FileStore } from './file-store.ts';

const record = storedRecord;
const store = async () => new FileStore(await scratchDir('fleetplane-store-'));

describe('the local directory store', () => {
  it('creates once: a second create of the same agent is a conflict', async () => {
    const files = await store();
    await files.create(record(1));
    await expect(files.create(record(1, 'other'))).rejects.toBeInstanceOf(ConflictError);
    expect((await files.read('stored'))?.value.specHash).toBe('h1');
  });

  it('of two concurrent creates, exactly one wins', async () => {
    const files = await store();
    const outcomes = await Promise.allSettled([files.create(record(1, 'a')), files.create(record(1, 'b'))]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(
      outcomes.filter((outcome) => outcome.status === 'rejected' && outcome.reason instanceof ConflictError),
    ).toHaveLength(1);
  });

  it('replaces only with the current etag', async () => {
    const files = await store();
    const etag = await files.create(record(1));
    const next = await files.replace(record(2), etag);
    await expect(files.replace(record(3), etag)).rejects.toBeInstanceOf(ConflictError);
    await files.replace(record(3), next);
    expect((await files.read('stored'))?.value.generation).toBe(3);
  });

  it('keeps revisions write-once and lists them in order', async () => {
    const files = await store();
    await files.putRevision(record(2));
    await files.putRevision(record(1));
    await files.putRevision(record(2, 'changed'));
    expect(
      (await files.listRevisions('stored')).map((revision) => [revision.generation, revision.specHash]),
    ).toEqual([
      [1, 'h1'],
      [2, 'h2'],
    ]);
    await files.removeRevisions('stored');
    expect(await files.listRevisions('stored')).toEqual([]);
  });

  it('lists stored agents and forgets removed ones', async () => {
    const files = await store();
    expect(await files.list()).toEqual([]);
    const etag = await files.create(record(1));
    expect((await files.list()).map((stored) => stored.name)).toEqual(['stored']);
    await expect(files.remove('stored', '"stale"')).rejects.toBeInstanceOf(ConflictError);
    await files.remove('stored', etag);
    expect(await files.read('stored')).toBeUndefined();
  });
});
