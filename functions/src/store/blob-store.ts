/**
 * The one interface a storage backend implements: text blobs under keys, each with a version
 * token (etag), conditional writes, and listing by prefix. The record and revision logic
 * lives once, above it (record-store.ts); backends (S3/Spaces, a local directory) only move
 * bytes and translate their failures into ConflictError and UnavailableError('store').
 *
 * Contract every backend keeps:
 * - `put` with `ifNoneMatch: '*'` fails with ConflictError when the key exists; with
 *   `ifMatch` it fails with ConflictError when the key's current etag differs (or it is gone).
 * - `delete` of a missing key succeeds; with `ifMatch`, a different etag is a ConflictError.
 * - `list` returns keys in lexicographic (byte) order, one page at a time, starting after
 *   `startAfter` when given; with a delimiter, keys below the next delimiter are folded into
 *   `prefixes`.
 * - an unreachable backend raises UnavailableError('store'), never a raw SDK error.
 */

export interface Blob {
  body: string;
  etag: string;
}

export type WriteCondition = { ifMatch: string } | { ifNoneMatch: '*' } | Record<string, never>;

export interface ListOptions {
  /** Fold keys below the next '/' after the prefix into `prefixes` (S3's CommonPrefixes). */
  delimiter?: '/';
  /** Where the previous page ended (its `next`). */
  continuation?: string;
  /** Only keys (and prefixes) after this key, as S3's StartAfter; ignored with a continuation. */
  startAfter?: string;
  /** Most keys (and prefixes) in one page; a backend may return fewer. */
  limit?: number;
}

export interface ListPage {
  keys: string[];
  /** The etag of each key, in the same order, when the backend lists them (S3 does). */
  etags?: string[];
  prefixes: string[];
  /** Set when there is more; pass it back as `continuation`. */
  next?: string;
}

/** What a put may say about the bytes: their media type (JSON when unset), and their hash. */
export interface PutOptions {
  contentType?: string;
  /**
   * The bytes' SHA-256 (hex): a backend that can check it refuses a body that does not match
   * (S3's x-amz-checksum-sha256); one that cannot still stores the bytes as given.
   */
  sha256?: string;
}

export interface BlobStore {
  /** Where the blobs live, for logs (no credentials). */
  readonly description: string;
  get(key: string): Promise<Blob | undefined>;
  /** The bytes as stored (build contexts are binary), or undefined when the key is missing. */
  getBytes(key: string): Promise<{ bytes: Uint8Array; etag: string } | undefined>;
  /** Text (records) or bytes (build contexts). */
  put(
    key: string,
    body: string | Uint8Array,
    condition?: WriteCondition,
    options?: PutOptions,
  ): Promise<string>;
  delete(key: string, condition?: { ifMatch?: string }): Promise<void>;
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  /** A cheap round trip proving the backend is reachable and the credentials work. */
  ping(): Promise<void>;
}

/**
 * Reads a build context the way Kaniko does (the AWS SDK's download manager): a GET of part 1
 * (`partNumber=1`), then byte ranges. Only a bucket offers them; `fleetplane doctor` checks them.
 */
export interface RangedReads {
  /** The bytes of one part of an object (a single-part object is its own part 1); undefined: no such key. */
  getPart(key: string, partNumber: number): Promise<Uint8Array | undefined>;
  /** Bytes `first` to `last`, inclusive (HTTP Range); undefined: no such key. */
  getRange(key: string, first: number, last: number): Promise<Uint8Array | undefined>;
}

/** Every key under a prefix, following continuations. */
export async function listAll(
  blobs: BlobStore,
  prefix: string,
  options: Omit<ListOptions, 'continuation' | 'startAfter'> = {},
): Promise<ListPage> {
  const all: ListPage & { etags: string[] } = { keys: [], prefixes: [], etags: [] };
  let complete = true;
  let continuation: string | undefined;
  do {
    const page = await blobs.list(prefix, { ...options, ...(continuation ? { continuation } : {}) });
    all.keys.push(...page.keys);
    all.prefixes.push(...page.prefixes);
    if (page.etags) all.etags.push(...page.etags);
    else complete = false;
    continuation = page.next;
  } while (continuation);
  return complete ? all : { keys: all.keys, prefixes: all.prefixes };
}
