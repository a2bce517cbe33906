/**
 * The store's safety rules on a local directory: tombstones, incarnation-keyed revisions, the
 * newest N revisions kept, the fleet identity, and the refusal of a backend that ignores
 * conditional writes.
 */
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../../test/support/scratch.ts';
import { storedRecord } from '../../../test/support/stored-record.ts';
import { ConflictError, SettingsError } from '../core/errors.ts';
import type { BlobStore, WriteCondition } from './blob-store.ts';
import { FileBlobs } from './file-blobs.ts';
import { RecordStore } from './record-store.ts';

const directory = async () => new FileBlobs(await scratchDir('fleetplane-safety-'));
const incarnated = (generation: number, incarnation: string, hash = `h${generation}`) => ({
  ...storedRecord(generation, hash),
  incarnation,
});

describe('the record store', () => {
  it('leaves a tombstone on removal, which a create must replace, not overwrite', async () => {
    const store = new RecordStore(await directory());
    const etag = await store.create(incarnated(1, 'first'));
    await store.remove('stored', etag);
    expect(await store.read('stored')).toBeUndefined();
    const tombstone = await store.readEntry('stored');
    expect(tombstone?.value).toMatchObject({ kind: 'Tombstone', incarnation: 'first', generation: 1 });
    await expect(store.create(incarnated(1, 'second'))).rejects.toBeInstanceOf(ConflictError);
    await store.replace(incarnated(1, 'second'), tombstone?.etag as string);
    expect((await store.list()).map((record) => record.incarnation)).toEqual(['second']);
    // A removal with a stale etag (a deploy landed in between) is a conflict, not a lost write.
    await expect(store.remove('stored', tombstone?.etag as string)).rejects.toBeInstanceOf(ConflictError);
  });

  it('keeps revisions per incarnation, and only the newest N', async () => {
    const store = new RecordStore(await directory(), { revisionsKept: 3 });
    for (let generation = 1; generation <= 6; generation++)
      await store.putRevision(incarnated(generation, 'a'));
    await store.putRevision(incarnated(1, 'b'));
    expect((await store.listRevisions('stored', 'a')).map((revision) => revision.generation)).toEqual([
      4, 5, 6,
    ]);
    expect((await store.listRevisions('stored', 'b')).map((revision) => revision.generation)).toEqual([1]);
    expect(await store.readRevision('stored', 1, 'a')).toBeUndefined();
  });

  it("keeps the sweep's guard with conditional writes: of two sweeps, the second to write is refused", async () => {
    const blobs = await directory();
    const [one, two] = [new RecordStore(blobs), new RecordStore(blobs)];
    const guard = (names: string[]) => ({
      apiVersion: 'fleetplane.io/v1' as const,
      kind: 'SweepGuard' as const,
      unexplained: Object.fromEntries(names.map((name) => [name, '2026-01-01T00:00:00.000Z'])),
      deletions: [],
    });
    expect(await one.readSweepGuard()).toBeUndefined();
    await one.writeSweepGuard(guard(['a']), undefined);
    await expect(two.writeSweepGuard(guard(['b']), undefined)).rejects.toBeInstanceOf(ConflictError);
    const read = await two.readSweepGuard();
    expect(Object.keys(read?.value.unexplained ?? {})).toEqual(['a']);
    await one.writeSweepGuard(guard(['c']), read?.etag);
    await expect(two.writeSweepGuard(guard(['d']), read?.etag)).rejects.toBeInstanceOf(ConflictError);
    expect(Object.keys((await one.readSweepGuard())?.value.unexplained ?? {})).toEqual(['c']);
  });

  it('reads its fleet identity afresh when asked, so a store emptied under a warm process has none', async () => {
    const blobs = await directory();
    const store = new RecordStore(blobs);
    const fleet = await store.ensureFleet();
    expect(await store.fleet()).toBe(fleet);
    await blobs.delete('fleet.json');
    expect(await store.fleet()).toBe(fleet);
    expect(await store.fleet({ reread: true })).toBeUndefined();
  });

  it('creates its fleet identity once; a second store on the same blobs finds the same one', async () => {
    const blobs = await directory();
    const first = new RecordStore(blobs);
    expect(await first.fleet()).toBeUndefined();
    const [a, b] = await Promise.all([first.ensureFleet(), new RecordStore(blobs).ensureFleet()]);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(b).toBe(a);
    expect(await new RecordStore(blobs).fleet()).toBe(a);
  });

  it('ensures its fleet once for a whole batch in a fresh process: one read and one create, not one each', async () => {
    const blobs = new Counting(await directory());
    const store = new RecordStore(blobs);
    const fleets = await Promise.all(Array.from({ length: 32 }, () => store.ensureFleet()));
    expect(new Set(fleets).size).toBe(1);
    expect(blobs.calls.filter((call) => call === 'get fleet.json')).toHaveLength(1);
    expect(blobs.calls.filter((call) => call === 'put fleet.json')).toHaveLength(1);
    // A fresh process on the same store: its concurrent readers share one read.
    const again = new Counting(blobs);
    const reader = new RecordStore(again);
    expect(new Set(await Promise.all(Array.from({ length: 8 }, () => reader.fleet())))).toEqual(
      new Set(fleets),
    );
    expect(again.calls).toEqual(['get fleet.json']);
  });

  it('answers a reread with a read begun after it, not one already under way', async () => {
    const blobs = await directory();
    const store = new RecordStore(blobs);
    const fleet = await new RecordStore(blobs).ensureFleet();
    const before = store.fleet({ reread: true });
    await blobs.delete('fleet.json');
    const after = store.fleet({ reread: true });
    expect(await before).toBe(fleet);
    expect(await after).toBeUndefined();
  });
});

/** Notes each get and put by key, and passes it on. */
class Counting implements BlobStore {
  readonly description = 'a counted directory';
  readonly calls: string[] = [];
  private readonly inner: BlobStore;
  constructor(inner: BlobStore) {
    this.inner = inner;
  }
  get(key: string) {
    this.calls.push(`get ${key}`);
    return this.inner.get(key);
  }
  getBytes(key: string) {
    return this.inner.getBytes(key);
  }
  put(key: string, body: string, condition?: WriteCondition) {
    this.calls.push(`put ${key}`);
    return this.inner.put(key, body, condition);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  ping() {
    return this.inner.ping();
  }
}

/**
 * A backend that ignores If-None-Match and If-Match (some S3-compatible servers do). A stand-in
 * for such a server, which cannot run here: it wraps a real directory and drops the conditions.
 */
class IgnoresConditions implements BlobStore {
  readonly description = 'a backend that ignores conditions';
  private readonly inner: BlobStore;
  constructor(inner: BlobStore) {
    this.inner = inner;
  }
  get(key: string) {
    return this.inner.get(key);
  }
  getBytes(key: string) {
    return this.inner.getBytes(key);
  }
  put(key: string, body: string, _condition?: WriteCondition) {
    return this.inner.put(key, body);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  ping() {
    return this.inner.ping();
  }
}

describe('a backend that ignores conditional writes', () => {
  it('is refused loudly, before the first write and by the health ping', async () => {
    const store = new RecordStore(new IgnoresConditions(await directory()));
    await expect(store.ensureFleet()).rejects.toBeInstanceOf(SettingsError);
    await expect(store.ping()).rejects.toThrow(/does not enforce If-None-Match/);
    expect(await store.fleet()).toBeUndefined();
  });
});
