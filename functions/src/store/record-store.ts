/**
 * Agent records and their revisions over any BlobStore: the store's logic, written once.
 * Layout: `agents/<name>.json` holds the current generation; `agents/<name>/revisions/
 * <generation, 8 digits>.json` the earlier ones, write-once.
 *
 * Must never write without a condition where a concurrent writer could be overwritten: a
 * create is If-None-Match, a replace and a remove are If-Match on the etag that was read.
 */
import { type AgentRecord, type RevisionSummary, summaryOf, type Versioned } from '../core/agent-record.ts';
import { ConflictError } from '../core/errors.ts';
import { mapLimit } from '../lib/map-limit.ts';
import { type BlobStore, listAll, type WriteCondition } from './blob-store.ts';
import type { ConfigStore } from './config-store.ts';

export const keys = {
  agents: 'agents/',
  agent: (name: string) => `agents/${name}.json`,
  revisions: (name: string) => `agents/${name}/revisions/`,
  revision: (name: string, generation: number) =>
    `agents/${name}/revisions/${String(generation).padStart(8, '0')}.json`,
};

/** The agent name of a key `agents/<name>.json`, or undefined for any other key. */
export function nameOfKey(key: string): string | undefined {
  return /^agents\/([a-z0-9-]+)\.json$/.exec(key)?.[1];
}

const READ_CONCURRENCY = 16;

const serialise = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export class RecordStore implements ConfigStore {
  readonly description: string;
  private readonly blobs: BlobStore;

  constructor(blobs: BlobStore) {
    this.blobs = blobs;
    this.description = blobs.description;
  }

  private async getRecord(key: string): Promise<Versioned<AgentRecord> | undefined> {
    const blob = await this.blobs.get(key);
    return blob && { value: JSON.parse(blob.body) as AgentRecord, etag: blob.etag };
  }

  private putRecord(key: string, record: AgentRecord, condition: WriteCondition) {
    return this.blobs.put(key, serialise(record), condition);
  }

  read(name: string) {
    return this.getRecord(keys.agent(name));
  }

  async list(): Promise<AgentRecord[]> {
    // The delimiter folds every revision into one prefix per agent: one key per agent is listed.
    const { keys: found } = await listAll(this.blobs, keys.agents, { delimiter: '/' });
    const names = found.map(nameOfKey).filter((name): name is string => name !== undefined);
    const records = await mapLimit(names.sort(), READ_CONCURRENCY, (name) => this.read(name));
    return records.flatMap((record) => (record ? [record.value] : []));
  }

  create(record: AgentRecord) {
    return this.putRecord(keys.agent(record.name), record, { ifNoneMatch: '*' });
  }

  replace(record: AgentRecord, etag: string) {
    return this.putRecord(keys.agent(record.name), record, { ifMatch: etag });
  }

  remove(name: string, etag?: string) {
    return this.blobs.delete(keys.agent(name), etag ? { ifMatch: etag } : {});
  }

  async putRevision(record: AgentRecord): Promise<void> {
    try {
      await this.putRecord(keys.revision(record.name, record.generation), record, { ifNoneMatch: '*' });
    } catch (error) {
      // A revision is write-once: the same generation was kept already, by us or a racer.
      if (!(error instanceof ConflictError)) throw error;
    }
  }

  async listRevisions(name: string): Promise<RevisionSummary[]> {
    const { keys: found } = await listAll(this.blobs, keys.revisions(name));
    const records = await mapLimit(found, READ_CONCURRENCY, (key) => this.getRecord(key));
    return records
      .flatMap((record) => (record ? [summaryOf(record.value)] : []))
      .sort((a, b) => a.generation - b.generation);
  }

  async readRevision(name: string, generation: number) {
    return (await this.getRecord(keys.revision(name, generation)))?.value;
  }

  async removeRevisions(name: string): Promise<void> {
    const { keys: found } = await listAll(this.blobs, keys.revisions(name));
    await mapLimit(found, READ_CONCURRENCY, (key) => this.blobs.delete(key));
  }

  ping() {
    return this.blobs.ping();
  }
}
