/**
 * The config store's contract, run against each backend (a local directory in the unit
 * tests, MinIO in the integration tests): the record and revision logic is written once over
 * the blob interface, and every backend must give it the same conditional-write semantics.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../functions/src/core/errors.ts';
import type { BlobStore } from '../../functions/src/store/blob-store.ts';
import { RecordStore } from '../../functions/src/store/record-store.ts';
import { storedRecord as record } from './stored-record.ts';

export function describeStoreContract(backend: string, blobs: () => Promise<BlobStore> | BlobStore) {
  const store = async () => new RecordStore(await blobs());

  describe(`the config store on ${backend}`, () => {
    it('creates once (If-None-Match): a second create is a conflict and changes nothing', async () => {
      const s = await store();
      await s.create(record(1));
      await expect(s.create(record(1, 'other'))).rejects.toBeInstanceOf(ConflictError);
      expect((await s.read('stored'))?.value.specHash).toBe('h1');
    });

    it('of concurrent creates, exactly one wins', async () => {
      const s = await store();
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) => s.create(record(1, `c${i}`))),
      );
      expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
      expect(
        outcomes.filter(
          (outcome) => outcome.status === 'rejected' && outcome.reason instanceof ConflictError,
        ),
      ).toHaveLength(4);
    });

    it('replaces only with the current etag (If-Match)', async () => {
      const s = await store();
      const first = await s.create(record(1));
      const second = await s.replace(record(2), first);
      await expect(s.replace(record(3, 'stale'), first)).rejects.toBeInstanceOf(ConflictError);
      await s.replace(record(3), second);
      expect((await s.read('stored'))?.value).toMatchObject({ generation: 3, specHash: 'h3' });
    });

    it('keeps revisions write-once, lists them in order and removes them', async () => {
      const s = await store();
      await s.putRevision(record(2));
      await s.putRevision(record(1));
      await s.putRevision(record(2));
      // Another spec under a kept generation is an inconsistency, reported rather than swallowed.
      await expect(s.putRevision(record(2, 'again'))).rejects.toBeInstanceOf(ConflictError);
      expect((await s.listRevisions('stored')).map((r) => [r.generation, r.specHash])).toEqual([
        [1, 'h1'],
        [2, 'h2'],
      ]);
      expect((await s.readRevision('stored', 2))?.specHash).toBe('h2');
      await s.removeRevisions('stored');
      expect(await s.listRevisions('stored')).toEqual([]);
    });

    it('lists agents (not their revisions), removes with a current etag only, and pings', async () => {
      const s = await store();
      expect(await s.list()).toEqual([]);
      const etag = await s.create(record(1));
      await s.putRevision(record(1));
      expect((await s.list()).map((stored) => stored.name)).toEqual(['stored']);
      await expect(s.remove('stored', '"0123"')).rejects.toBeInstanceOf(ConflictError);
      await s.remove('stored', etag);
      expect(await s.read('stored')).toBeUndefined();
      await expect(s.ping()).resolves.toBeUndefined();
    });

    it('pages through records and tombstones in key order, each name once, reading only its page', async () => {
      const s = await store();
      // `web-1` sorts before `web` in the keys (agents/web-1.json < agents/web.json).
      const names = ['web', 'web1', 'web-1', 'a', 'zz'];
      const etags = new Map<string, string>();
      for (const name of names) etags.set(name, await s.create({ ...record(1), name }));
      await s.putRevision({ ...record(1), name: 'web' }); // a folded prefix, agents/web/, in the listing
      await s.remove('a', etags.get('a') as string);
      const pages: { names: string[]; next?: string }[] = [];
      let after: string | undefined;
      do {
        const page = await s.listPage({ limit: 2, ...(after === undefined ? {} : { after }) });
        pages.push({
          names: page.entries.map((entry) => entry.name),
          ...(page.next ? { next: page.next } : {}),
        });
        after = page.next;
      } while (after);
      expect(pages).toEqual([
        { names: ['a', 'web-1'], next: 'web-1' },
        { names: ['web', 'web1'], next: 'web1' },
        { names: ['zz'] },
      ]);
      const first = await s.listPage({ limit: 1 });
      expect(first.entries.map((entry) => [entry.name, entry.kind])).toEqual([['a', 'Tombstone']]);
      // A page that ends with the last name says no more follow.
      const last = await s.listPage({ after: 'web', limit: 2 });
      expect(last.entries.map((entry) => entry.name)).toEqual(['web1', 'zz']);
      expect(last).not.toHaveProperty('next');
      expect((await s.listPage({ after: 'zz', limit: 2 })).entries).toEqual([]);
    });
  });
}
