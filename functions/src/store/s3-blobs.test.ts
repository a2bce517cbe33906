/**
 * S3Blobs against an S3 server that lies: it answers a truncated listing without the token
 * to continue it. WHY a fake server: no real S3 server can be made to misbehave so; MinIO
 * (test/integration/s3-store.test.ts) is the honest one. The listing must fail rather than
 * pass off two agents as the whole fleet, which the sweep would then act on.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnavailableError } from '../core/errors.ts';
import { RecordStore } from './record-store.ts';
import { S3Blobs } from './s3-blobs.ts';

const truncatedWithoutToken = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>fleet</Name><Prefix>agents/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated><Contents><Key>agents/a.json</Key><ETag>"1"</ETag><Size>2</Size></Contents><Contents><Key>agents/b.json</Key><ETag>"2"</ETag><Size>2</Size></Contents></ListBucketResult>`;

let server: Server;
let endpoint = '';

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(truncatedWithoutToken);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('a listing that ends early', () => {
  it('is an error, not a short fleet', async () => {
    const blobs = new S3Blobs({
      bucket: 'fleet',
      endpoint,
      credentials: { accessKeyId: 'k', secretAccessKey: 's' },
      requestTimeoutMs: 2_000,
    });
    const error = await blobs.list('agents/', { delimiter: '/' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(/truncated listing .* without a continuation token/);
    await expect(new RecordStore(blobs).list()).rejects.toBeInstanceOf(UnavailableError);
  });
});
