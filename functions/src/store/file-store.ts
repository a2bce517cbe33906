/**
 * The config store in a local directory: the embedded default of `npm start`. Same layout
 * and contract as the S3 store. The etag is the SHA-256 of the file's bytes; writes go to a
 * temporary file and are renamed into place, so a reader never sees half a file.
 *
 * WARNING: conditional writes are atomic within one process (a per-key queue), which is
 * what the local server is. Two processes sharing one directory are not supported.
 */
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConflictError, UnavailableError } from '../core/errors.ts';
import { sha256Hex } from '../core/hash.ts';
import { type AgentRecord, type RevisionSummary, summaryOf, type Versioned } from './agent-record.ts';
import { type ConfigStore, keys, nameOfKey } from './config-store.ts';

const isMissing = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

export class FileStore implements ConfigStore {
  readonly description: string;
  private readonly root: string;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(directory: string) {
    this.root = resolve(directory);
    this.description = `file://${this.root}`;
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

  private async readRaw(key: string): Promise<Versioned<string> | undefined> {
    try {
      const text = await readFile(this.path(key), 'utf8');
      return { value: text, etag: `"${sha256Hex(text)}"` };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw new UnavailableError('store', `cannot read ${this.path(key)}: ${(error as Error).message}`, 5, {
        cause: error,
      });
    }
  }

  private async writeRaw(key: string, text: string): Promise<string> {
    const target = this.path(key);
    const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
    try {
      await mkdir(dirname(target), { recursive: true });
      await writeFile(temporary, text, 'utf8');
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw new UnavailableError('store', `cannot write ${target}: ${(error as Error).message}`, 5, {
        cause: error,
      });
    }
    return `"${sha256Hex(text)}"`;
  }

  private async conditionalPut(
    key: string,
    value: unknown,
    condition: { ifMatch?: string; ifNoneMatch?: '*' },
  ) {
    return this.exclusive(key, async () => {
      const current = await this.readRaw(key);
      if (condition.ifNoneMatch && current)
        throw new ConflictError(`${key} already exists; another request created it first`);
      if (condition.ifMatch && current?.etag !== condition.ifMatch)
        throw new ConflictError(`${key} was changed by another request; read it again and retry`);
      return this.writeRaw(key, `${JSON.stringify(value, null, 2)}\n`);
    });
  }

  async read(name: string): Promise<Versioned<AgentRecord> | undefined> {
    const raw = await this.readRaw(keys.agent(name));
    return raw && { value: JSON.parse(raw.value) as AgentRecord, etag: raw.etag };
  }

  async list(): Promise<AgentRecord[]> {
    let entries: string[];
    try {
      entries = await readdir(this.path(keys.prefix));
    } catch (error) {
      if (isMissing(error)) return [];
      throw new UnavailableError('store', `cannot list ${this.root}: ${(error as Error).message}`, 5, {
        cause: error,
      });
    }
    const names = entries
      .map((entry) => nameOfKey(`${keys.prefix}${entry}`))
      .filter((name): name is string => !!name);
    const records = await Promise.all(names.sort().map((name) => this.read(name)));
    return records.flatMap((record) => (record ? [record.value] : []));
  }

  create(record: AgentRecord) {
    return this.conditionalPut(keys.agent(record.name), record, { ifNoneMatch: '*' });
  }

  replace(record: AgentRecord, etag: string) {
    return this.conditionalPut(keys.agent(record.name), record, { ifMatch: etag });
  }

  remove(name: string, etag?: string): Promise<void> {
    const key = keys.agent(name);
    return this.exclusive(key, async () => {
      const current = await this.readRaw(key);
      if (etag && current && current.etag !== etag)
        throw new ConflictError(`agent ${name} was changed by another request`);
      await rm(this.path(key), { force: true });
    });
  }

  async putRevision(record: AgentRecord): Promise<void> {
    try {
      await this.conditionalPut(keys.revision(record.name, record.generation), record, { ifNoneMatch: '*' });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }

  async listRevisions(name: string): Promise<RevisionSummary[]> {
    let entries: string[];
    try {
      entries = await readdir(this.path(keys.revisions(name)));
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const records = await Promise.all(
      entries
        .filter((entry) => entry.endsWith('.json'))
        .map(
          async (entry) =>
            JSON.parse(await readFile(join(this.path(keys.revisions(name)), entry), 'utf8')) as AgentRecord,
        ),
    );
    return records.map(summaryOf).sort((a, b) => a.generation - b.generation);
  }

  async readRevision(name: string, generation: number) {
    const raw = await this.readRaw(keys.revision(name, generation));
    return raw && (JSON.parse(raw.value) as AgentRecord);
  }

  async removeRevisions(name: string) {
    await rm(this.path(`agents/${name}`), { recursive: true, force: true });
  }

  async ping(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
      const handle = await open(join(this.root, '.probe'), 'w');
      await handle.close();
      await stat(this.root);
    } catch (error) {
      throw new UnavailableError(
        'store',
        `the store directory ${this.root} is not writable: ${(error as Error).message}`,
        5,
        {
          cause: error,
        },
      );
    }
  }
}
