/**
 * The S3 store on a real S3 server (MinIO): conditional writes are what make concurrent
 * deploys safe, so they are tested here directly and deterministically.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConflictError, UnavailableError } from '../../functions/src/core/errors.ts';
import { S3Store } from '../../functions/src/store/s3-store.ts';
import { testEnv } from '../env/inject.ts';
import { storedRecord } from '../support/stored-record.ts';

const record = storedRecord;

function store() {
  const { s3 } = testEnv();
  return new S3Store({
    bucket: s3.bucket,
    prefix: `store-test-${randomUUID().slice(0, 8)}`,
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}

describe('the S3 store on MinIO', () => {
  it('creates once (If-None-Match): a second create is a conflict and changes nothing', async () => {
    const s3 = store();
    await s3.create(record(1));
    await expect(s3.create(record(1, 'other'))).rejects.toBeInstanceOf(ConflictError);
    expect((await s3.read('stored'))?.value.specHash).toBe('h1');
  });

  it('of concurrent creates, exactly one wins', async () => {
    const s3 = store();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => s3.create(record(1, `c${i}`))),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(
      outcomes.filter((outcome) => outcome.status === 'rejected' && outcome.reason instanceof ConflictError),
    ).toHaveLength(4);
  });

  it('replaces only with the current etag (If-Match)', async () => {
    const s3 = store();
    const first = await s3.create(record(1));
    const second = await s3.replace(record(2), first);
    await expect(s3.replace(record(3, 'stale'), first)).rejects.toBeInstanceOf(ConflictError);
    await s3.replace(record(3), second);
    expect((await s3.read('stored'))?.value).toMatchObject({ generation: 3, specHash: 'h3' });
  });

  it('keeps revisions write-once, lists them in order and removes them', async () => {
    const s3 = store();
    await s3.putRevision(record(2));
    await s3.putRevision(record(1));
    await s3.putRevision(record(2, 'again'));
    expect((await s3.listRevisions('stored')).map((r) => [r.generation, r.specHash])).toEqual([
      [1, 'h1'],
      [2, 'h2'],
    ]);
    expect((await s3.readRevision('stored', 2))?.specHash).toBe('h2');
    await s3.removeRevisions('stored');
    expect(await s3.listRevisions('stored')).toEqual([]);
  });

  it('lists agents, removes with a current etag only, and pings', async () => {
    const s3 = store();
    expect(await s3.list()).toEqual([]);
    const etag = await s3.create(record(1));
    await s3.putRevision(record(1));
    expect((await s3.list()).map((stored) => stored.name)).toEqual(['stored']);
    await expect(s3.remove('stored', '"0123"')).rejects.toBeInstanceOf(ConflictError);
    await s3.remove('stored', etag);
    expect(await s3.read('stored')).toBeUndefined();
    await expect(s3.ping()).resolves.toBeUndefined();
  });

  it('reports an unreachable endpoint as the store being unavailable, without credentials in the message', async () => {
    const { s3 } = testEnv();
    const closed = new S3Store({
      bucket: 'x',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'AKIDSECRETLOOKING', secretAccessKey: 'very-secret' },
      requestTimeoutMs: 1000,
    });
    const error = await closed.read('stored').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(/unreachable/);
    expect((error as Error).message).not.toMatch(/very-secret|AKIDSECRETLOOKING/);
    void s3;
  });
});
