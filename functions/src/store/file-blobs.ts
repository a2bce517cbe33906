/**
 * Blobs in a local directory: the embedded default of `npm start`. One file per key; the
 * etag is the SHA-256 of the file's bytes; writes go to a temporary file renamed into place,
 * so a reader never sees half a file.
 *
 * WARNING: conditional writes are atomic within one process (a per-key queue), which is
 * what the local server is. Two processes sharing one directory are not supported.
 */
import type { Dirent } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ConflictError, UnavailableError } from '../core/errors.ts';
import { sha256Hex } from '../core/hash.ts';
import type { Blob, BlobStore, ListOptions, ListPage, PutOptions, WriteCondition } from './blob-store.ts';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';
const etagOf = (data: string | Uint8Array) => `"${sha256Hex(data)}"`;

export class FileBlobs implements BlobStore {
  readonly description: string;
  private readonly root: string;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(directory: string) {
    this.root = resolve(directory);
    this.description = `file://${this.root}`;
  }

  private unavailable(what: string, error: unknown): UnavailableError {
    return new UnavailableError('store', `cannot ${what}: ${(error as Error).message}`, 5, { cause: error });
  }

  /** Serialises read-compare-write per key, so conditional writes are atomic in-process. */
  private exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  private path(key: string) {
    return join(this.root, key);
  }

  async get(key: string): Promise<Blob | undefined> {
    try {
      const body = await readFile(this.path(key), 'utf8');
      return { body, etag: etagOf(body) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.unavailable(`read ${this.path(key)}`, error);
    }
  }

  async getBytes(key: string): Promise<{ bytes: Uint8Array; etag: string } | undefined> {
    try {
      const bytes = new Uint8Array(await readFile(this.path(key)));
      return { bytes, etag: etagOf(bytes) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw this.unavailable(`read ${this.path(key)}`, error);
    }
  }

  put(
    key: string,
    body: string | Uint8Array,
    condition: WriteCondition = {},
    options: PutOptions = {},
  ): Promise<string> {
    if (options.sha256 && sha256Hex(body) !== options.sha256)
      return Promise.reject(
        this.unavailable(`write ${key}`, new Error(`its bytes do not match their SHA-256 ${options.sha256}`)),
      );
    return this.exclusive(key, async () => {
      const current = await this.get(key);
      if ('ifNoneMatch' in condition && current)
        throw new ConflictError(`${key} already exists; another request created it first`);
      if ('ifMatch' in condition && current?.etag !== condition.ifMatch)
        throw new ConflictError(`${key} was changed by another request; read it again and retry`);
      const target = this.path(key);
      const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
      try {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(temporary, body);
        await rename(temporary, target);
      } catch (error) {
        await rm(temporary, { force: true });
        throw this.unavailable(`write ${target}`, error);
      }
      return etagOf(body);
    });
  }

  delete(key: string, condition: { ifMatch?: string } = {}): Promise<void> {
    return this.exclusive(key, async () => {
      if (condition.ifMatch) {
        const current = await this.get(key);
        if (current && current.etag !== condition.ifMatch)
          throw new ConflictError(`${key} was changed by another request; read it again and retry`);
      }
      await rm(this.path(key), { force: true });
    });
  }

  /** Keys under the prefix in key order (after `startAfter`); the whole listing is one page (a directory is small). */
  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const base = this.path(prefix.slice(0, prefix.lastIndexOf('/') + 1));
    let entries: Dirent[];
    try {
      entries = await readdir(base, { recursive: true, withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return { keys: [], prefixes: [] };
      throw this.unavailable(`list ${base}`, error);
    }
    const keys: string[] = [];
    const prefixes = new Set<string>();
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.endsWith('.tmp')) continue;
      const key = relative(this.root, join(entry.parentPath, entry.name)).split(sep).join('/');
      if (!key.startsWith(prefix)) continue;
      const cut = options.delimiter ? key.indexOf(options.delimiter, prefix.length) : -1;
      if (cut >= 0) prefixes.add(key.slice(0, cut + 1));
      else keys.push(key);
    }
    const { startAfter } = options;
    const after = (key: string) => startAfter === undefined || key > startAfter;
    return { keys: keys.filter(after).sort(), prefixes: [...prefixes].filter(after).sort() };
  }

  async ping(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
      const handle = await open(join(this.root, '.probe'), 'w');
      await handle.close();
    } catch (error) {
      throw this.unavailable(`write to the store directory ${this.root}`, error);
    }
  }
}
