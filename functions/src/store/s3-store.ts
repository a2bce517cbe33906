/**
 * The config store on DigitalOcean Spaces (or any S3 API: MinIO in tests). Conditional
 * writes use If-None-Match / If-Match on PutObject, so of two concurrent writers exactly one
 * wins. Never logs or returns credentials; SDK errors become our error vocabulary here.
 */
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { ConflictError, UnavailableError } from '../core/errors.ts';
import { type AgentRecord, type RevisionSummary, summaryOf, type Versioned } from './agent-record.ts';
import { type ConfigStore, keys, mapLimit, nameOfKey } from './config-store.ts';

export interface S3StoreOptions {
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

const isStatus = (error: unknown, ...statuses: number[]) =>
  error instanceof S3ServiceException && statuses.includes(error.$metadata.httpStatusCode ?? 0);

export class S3Store implements ConfigStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3StoreOptions) {
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

  private key(key: string) {
    return this.prefix + key;
  }

  /** Runs one S3 call, turning transport failures into UnavailableError('store'). */
  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof S3ServiceException) {
        const status = error.$metadata.httpStatusCode ?? 0;
        if (status === 412 || error.name === 'ConditionalRequestConflict') throw error;
        if (status === 404) throw error;
        if (status >= 500 || status === 0)
          throw new UnavailableError(
            'store',
            `the config store failed to ${what} (${error.name}, HTTP ${status})`,
            5,
            { cause: error },
          );
        throw new UnavailableError(
          'store',
          `the config store refused to ${what} (${error.name}, HTTP ${status}): check the bucket and credentials`,
          30,
          { cause: error },
        );
      }
      const reason = (error as { code?: string; name?: string }).code ?? (error as Error).name;
      throw new UnavailableError(
        'store',
        `the config store at ${this.description} is unreachable (${reason})`,
        5,
        { cause: error },
      );
    }
  }

  private async getJson<T>(key: string): Promise<Versioned<T> | undefined> {
    try {
      return await this.call(`read ${key}`, async () => {
        const response = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }),
        );
        const text = (await response.Body?.transformToString('utf8')) ?? '';
        return { value: JSON.parse(text) as T, etag: response.ETag ?? '' };
      });
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  private async putJson(
    key: string,
    value: unknown,
    condition: { ifMatch?: string; ifNoneMatch?: '*' },
  ): Promise<string> {
    try {
      return await this.call(`write ${key}`, async () => {
        const response = await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.key(key),
            Body: `${JSON.stringify(value, null, 2)}\n`,
            ContentType: 'application/json',
            ...(condition.ifMatch ? { IfMatch: condition.ifMatch } : {}),
            ...(condition.ifNoneMatch ? { IfNoneMatch: condition.ifNoneMatch } : {}),
          }),
        );
        return response.ETag ?? '';
      });
    } catch (error) {
      if (isStatus(error, 412, 409))
        throw new ConflictError(`${key} was changed by another request; read it again and retry`, {
          cause: error,
        });
      throw error;
    }
  }

  private async listKeys(prefix: string): Promise<string[]> {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(`list ${prefix}`, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.key(prefix),
            ContinuationToken: token,
          }),
        ),
      );
      for (const object of page.Contents ?? [])
        if (object.Key) found.push(object.Key.slice(this.prefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  read(name: string) {
    return this.getJson<AgentRecord>(keys.agent(name));
  }

  async list(): Promise<AgentRecord[]> {
    const names = (await this.listKeys(keys.prefix)).map(nameOfKey).filter((name): name is string => !!name);
    const records = await mapLimit(names, 16, (name) => this.read(name));
    return records.flatMap((record) => (record ? [record.value] : []));
  }

  create(record: AgentRecord) {
    return this.putJson(keys.agent(record.name), record, { ifNoneMatch: '*' });
  }

  replace(record: AgentRecord, etag: string) {
    return this.putJson(keys.agent(record.name), record, { ifMatch: etag });
  }

  /**
   * Deletes the agent's config. With an etag, a config changed since it was read is a
   * conflict. WARNING: not every S3 server honours If-Match on DeleteObject (MinIO ignores
   * it), so the etag is also compared by a HEAD first; a write landing between the two calls
   * can still be lost to the delete.
   */
  async remove(name: string, etag?: string): Promise<void> {
    const key = this.key(keys.agent(name));
    try {
      if (etag) {
        const head = await this.call(`read ${keys.agent(name)}`, () =>
          this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })),
        );
        if (head.ETag !== etag)
          throw new ConflictError(`agent ${name} was changed by another request; read it again and retry`);
      }
      await this.call(`delete ${keys.agent(name)}`, () =>
        this.client.send(
          new DeleteObjectCommand({ Bucket: this.bucket, Key: key, ...(etag ? { IfMatch: etag } : {}) }),
        ),
      );
    } catch (error) {
      if (error instanceof ConflictError) throw error;
      if (isStatus(error, 412, 409))
        throw new ConflictError(`agent ${name} was changed by another request`, { cause: error });
      if (!isStatus(error, 404)) throw error;
    }
  }

  async putRevision(record: AgentRecord): Promise<void> {
    try {
      await this.putJson(keys.revision(record.name, record.generation), record, { ifNoneMatch: '*' });
    } catch (error) {
      // A revision is write-once: the same generation was kept already, by us or a racer.
      if (!(error instanceof ConflictError)) throw error;
    }
  }

  async listRevisions(name: string): Promise<RevisionSummary[]> {
    const revisionKeys = await this.listKeys(keys.revisions(name));
    const records = await mapLimit(revisionKeys, 16, (key) => this.getJson<AgentRecord>(key));
    return records
      .flatMap((record) => (record ? [summaryOf(record.value)] : []))
      .sort((a, b) => a.generation - b.generation);
  }

  async readRevision(name: string, generation: number) {
    return (await this.getJson<AgentRecord>(keys.revision(name, generation)))?.value;
  }

  async removeRevisions(name: string): Promise<void> {
    const revisionKeys = await this.listKeys(keys.revisions(name));
    for (let start = 0; start < revisionKeys.length; start += 1000) {
      const batch = revisionKeys.slice(start, start + 1000);
      await this.call(`delete revisions of ${name}`, () =>
        this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: batch.map((key) => ({ Key: this.key(key) })), Quiet: true },
          }),
        ),
      );
    }
  }

  async ping(): Promise<void> {
    await this.call('reach the bucket', () =>
      this.client.send(new HeadBucketCommand({ Bucket: this.bucket })),
    );
  }
}
