/**
 * The config store on a real S3 server (MinIO): conditional writes are what make concurrent
 * deploys safe, so they are tested here directly and deterministically.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../functions/src/core/errors.ts';
import { S3Blobs } from '../../functions/src/store/s3-blobs.ts';
import { testEnv } from '../env/inject.ts';
import { describeStoreContract } from '../support/store-contract.ts';

describeStoreContract('MinIO', () => {
  const { s3 } = testEnv();
  return new S3Blobs({
    bucket: s3.bucket,
    prefix: `store-test-${randomUUID().slice(0, 8)}`,
    endpoint: s3.endpoint,
    region: s3.region,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
});

describe('the S3 backend', () => {
  it('reports an unreachable endpoint as the store being unavailable, without credentials in the message', async () => {
    const closed = new S3Blobs({
      bucket: 'x',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'AKIDSECRETLOOKING', secretAccessKey: 'very-secret' },
      requestTimeoutMs: 1000,
    });
    const error = await closed.get('agents/stored.json').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(/unreachable/);
    expect((error as Error).message).not.toMatch(/very-secret|AKIDSECRETLOOKING/);
  });
});
