/**
 * Blobs on DigitalOcean Spaces (or any S3 API: MinIO in tests). Conditional writes use
 * If-None-Match / If-Match on PutObject, so of two concurrent writers exactly one wins.
 * Every SDK failure becomes our vocabulary here: a precondition failure is a ConflictError,
 * anything else UnavailableError('store'). Never logs or returns credentials.
 *
 * WARNING: this module pulls in the AWS SDK. Function entries import it lazily.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { ConflictError, UnavailableError } from '../core/errors.ts';
import type {
  Blob,
  BlobStore,
  ListOptions,
  ListPage,
  PutOptions,
  RangedReads,
  WriteCondition,
} from './blob-store.ts';

export interface S3BlobsOptions {
  bucket: string;
  /** Key prefix inside the bucket, e.g. "prod/" (empty for the bucket root). */
  prefix?: string;
  endpoint?: string;
  region?: string;
  /** Explicit credentials; otherwise the SDK's chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Per-attempt timeout in milliseconds. */
  requestTimeoutMs?: number;
}

const statusOf = (error: unknown) =>
  error instanceof S3ServiceException ? (error.$metadata.httpStatusCode ?? 0) : undefined;

export class S3Blobs implements BlobStore, RangedReads {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3BlobsOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
    this.description = `s3://${options.bucket}/${this.prefix}${options.endpoint ? ` at ${options.endpoint}` : ''}`;
    const timeout = options.requestTimeoutMs ?? 5_000;
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // S3-compatible servers differ on the SDK's default checksums; ask only when required.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 2,
      requestHandler: { connectionTimeout: Math.min(timeout, 2_000), requestTimeout: timeout },
    });
  }

  /**
   * Runs one S3 call. A 404 whose error is one of `absent` (NoSuchKey: a clean 404 of one key)
   * comes back as undefined; a failed precondition becomes a ConflictError; every other
   * failure, NoSuchBucket and any other 404 included, UnavailableError('store').
   *
   * WARNING: a missing bucket must never read as a missing key: "no fleet.json" or "no config
   * for this agent" is what lets the sweep delete, and a bucket deleted or renamed under a warm
   * function would otherwise look like a fleet whose every config is gone.
   */
  private async call<T>(
    what: string,
    run: () => Promise<T>,
    absent: readonly string[] = [],
  ): Promise<T | undefined> {
    try {
      return await run();
    } catch (error) {
      const status = statusOf(error);
      const name = (error as Error).name;
      if (status === 404 && absent.includes(name)) return undefined;
      if (status === 404)
        throw new UnavailableError(
          'store',
          `the config store could not ${what}: ${name === 'NoSuchBucket' ? `the bucket ${this.bucket} does not exist` : `it answered 404 (${name})`}; check FLEETPLANE_STORE`,
          30,
          { cause: error },
        );
      if (status === 412 || status === 409 || (error as Error).name === 'ConditionalRequestConflict')
        throw new ConflictError(
          `${what}: the object was changed by another request; read it again and retry`,
          {
            cause: error,
          },
        );
      if (status === undefined) {
        const reason = (error as { code?: string }).code ?? (error as Error).name;
        throw new UnavailableError(
          'store',
          `the config store at ${this.description} is unreachable (${reason})`,
          5,
          {
            cause: error,
          },
        );
      }
      if (status >= 500 || status === 0)
        throw new UnavailableError(
          'store',
          `the config store failed to ${what} (${name}, HTTP ${status})`,
          5,
          {
            cause: error,
          },
        );
      throw new UnavailableError(
        'store',
        `the config store refused to ${what} (${name}, HTTP ${status}): check the bucket and credentials`,
        30,
        { cause: error },
      );
    }
  }

  async get(key: string): Promise<Blob | undefined> {
    return this.call(`read ${key}`, async () => {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
      );
      return { body: (await response.Body?.transformToString('utf8')) ?? '', etag: response.ETag ?? '' };
    }, ['NoSuchKey']);
  }

  async getBytes(key: string): Promise<{ bytes: Uint8Array; etag: string } | undefined> {
    return this.call(`read ${key}`, async () => {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }),
      );
      return {
        bytes: (await response.Body?.transformToByteArray()) ?? new Uint8Array(),
        etag: response.ETag ?? '',
      };
    }, ['NoSuchKey']);
  }

  async put(
    key: string,
    body: string | Uint8Array,
    condition: WriteCondition = {},
    options: PutOptions = {},
  ): Promise<string> {
    const response = await this.call(
      `write ${key}`,
      () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.prefix + key,
            Body: body,
            ContentType: options.contentType ?? 'application/json',
            ...(options.sha256
              ? { ChecksumSHA256: Buffer.from(options.sha256, 'hex').toString('base64') }
              : {}),
            ...('ifMatch' in condition ? { IfMatch: condition.ifMatch } : {}),
            ...('ifNoneMatch' in condition ? { IfNoneMatch: condition.ifNoneMatch } : {}),
          }),
        ),
      ['NoSuchKey'],
    );
    // A 404 on a conditional put: the object to match is gone.
    if (!response) throw new ConflictError(`write ${key}: the object was deleted by another request`);
    return response.ETag ?? '';
  }

  /**
   * WARNING: not every S3 server honours If-Match on DeleteObject (MinIO ignores it), so the
   * etag is also compared by a HEAD first; a write landing between the two calls can still be
   * lost to the delete.
   */
  async delete(key: string, condition: { ifMatch?: string } = {}): Promise<void> {
    const { ifMatch } = condition;
    if (ifMatch) {
      // A HEAD's 404 has no body to tell a missing key from a missing bucket: either way, nothing is deleted.
      const head = await this.call(
        `read ${key}`,
        () => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key })),
        ['NotFound', 'NoSuchKey'],
      );
      if (!head) return;
      if (head.ETag !== ifMatch)
        throw new ConflictError(`${key} was changed by another request; read it again and retry`);
    }
    await this.call(`delete ${key}`, () =>
      this.client.send(
        new DeleteObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          ...(ifMatch ? { IfMatch: ifMatch } : {}),
        }),
      ),
    );
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const page = await this.call(`list ${prefix}`, () =>
      this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix + prefix,
          ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
          ...(options.continuation
            ? { ContinuationToken: options.continuation }
            : options.startAfter !== undefined
              ? { StartAfter: this.prefix + options.startAfter }
              : {}),
          ...(options.limit ? { MaxKeys: options.limit } : {}),
        }),
      ),
    );
    // WARNING: a truncated page without a token would end the listing early, and a short list
    // of agents reads as "the others are gone". Refuse it rather than act on part of the fleet.
    if (page?.IsTruncated && !page.NextContinuationToken)
      throw new UnavailableError(
        'store',
        `the config store answered a truncated listing of ${prefix} without a continuation token; refusing to act on a partial list`,
        30,
      );
    const strip = (key: string | undefined) => (key ?? '').slice(this.prefix.length);
    return {
      keys: (page?.Contents ?? []).map((object) => strip(object.Key)),
      etags: (page?.Contents ?? []).map((object) => object.ETag ?? ''),
      prefixes: (page?.CommonPrefixes ?? []).map((common) => strip(common.Prefix)),
      ...(page?.IsTruncated ? { next: page.NextContinuationToken } : {}),
    };
  }

  /** Whether the bucket exists (HEAD bucket); an unreachable server or refused keys throw. */
  async bucketExists(): Promise<boolean> {
    const bucket = await this.call(
      'reach the bucket',
      () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })),
      ['NotFound', 'NoSuchBucket'],
    );
    return bucket !== undefined;
  }

  async ping(): Promise<void> {
    if (!(await this.bucketExists()))
      throw new UnavailableError('store', `the bucket of ${this.description} does not exist`, 30);
  }

  async getPart(key: string, partNumber: number): Promise<Uint8Array | undefined> {
    return this.call(`read part ${partNumber} of ${key}`, async () => {
      const response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, PartNumber: partNumber }),
      );
      return (await response.Body?.transformToByteArray()) ?? new Uint8Array();
    });
  }

  async getRange(key: string, first: number, last: number): Promise<Uint8Array | undefined> {
    return this.call(`read bytes ${first}-${last} of ${key}`, async () => {
      const response = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          Range: `bytes=${first}-${last}`,
        }),
      );
      return (await response.Body?.transformToByteArray()) ?? new Uint8Array();
    });
  }
}
