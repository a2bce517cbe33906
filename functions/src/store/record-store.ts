/**
 * Agent records, tombstones, revisions and the fleet identity over any BlobStore: the store's
 * logic, written once. Layout under the store's root:
 *
 *   fleet.json                                    the store's identity (a random fleet id)
 *   sweep-guard.json                              the sweep's deletion budget (core/sweep-guard.ts)
 *   agents/<name>.json                            the current record, or a tombstone
 *   agents/<name>/<incarnation>/<generation>.json earlier generations, write-once, newest N kept
 *   agents/<name>/revisions/<generation>.json     the same, for records from before incarnations
 *
 * Must never write without a condition where a concurrent writer could be overwritten: a
 * create is If-None-Match, a replace and a removal (a tombstone) are If-Match on the etag that
 * was read. Deletion of a name never relies on a conditional DeleteObject, which some S3
 * servers ignore.
 */
import { randomUUID } from 'node:crypto';
import {
  type AgentRecord,
  isTombstone,
  type RevisionSummary,
  releasedSecretsOf,
  type StoredEntry,
  summaryOf,
  type Tombstone,
  type Versioned,
} from '../core/agent-record.ts';
import { ConflictError, SettingsError } from '../core/errors.ts';
import type { SweepGuard } from '../core/sweep-guard.ts';
import { mapLimit } from '../lib/map-limit.ts';
import { type BlobStore, type ListPage, listAll, type WriteCondition } from './blob-store.ts';
import type { ConfigStore, EntryPage } from './config-store.ts';
import { ignoredCondition, probeWriteConditions } from './write-conditions.ts';

export const keys = {
  fleet: 'fleet.json',
  sweepGuard: 'sweep-guard.json',
  agents: 'agents/',
  agent: (name: string) => `agents/${name}.json`,
  /** Revisions of one incarnation (records written before incarnations: the `revisions` folder). */
  revisions: (name: string, incarnation?: string) => `agents/${name}/${incarnation ?? 'revisions'}/`,
  revision: (name: string, generation: number, incarnation?: string) =>
    `${keys.revisions(name, incarnation)}${String(generation).padStart(8, '0')}.json`,
  probe: (id: string) => `probes/${id}.json`,
};

/** The agent name of a key `agents/<name>.json`, or undefined for any other key. */
export function nameOfKey(key: string): string | undefined {
  return /^agents\/([a-z0-9-]+)\.json$/.exec(key)?.[1];
}

/** The agent names of a listing's keys, in its order, with their etags when it has them. */
function listedNames(listing: ListPage): { name: string; etag?: string }[] {
  return listing.keys.flatMap((key, index) => {
    const name = nameOfKey(key);
    const etag = listing.etags?.[index];
    return name === undefined ? [] : [{ name, ...(etag ? { etag } : {}) }];
  });
}

export interface RecordStoreOptions {
  /** Revisions kept per incarnation; older ones are pruned after a successful write. */
  revisionsKept?: number;
}

export const DEFAULT_REVISIONS_KEPT = 20;
const READ_CONCURRENCY = 16;
/** The most keys one S3 listing answers. */
const MAX_LIST_KEYS = 1000;

const serialise = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

interface Fleet {
  apiVersion: 'fleetplane.io/v1';
  kind: 'Fleet';
  id: string;
  createdAt: string;
}

export class RecordStore implements ConfigStore {
  readonly description: string;
  private readonly blobs: BlobStore;
  private readonly revisionsKept: number;
  private fleetId: string | undefined;
  private fleetRead: Promise<string | undefined> | undefined;
  private ensuring: Promise<string> | undefined;
  private verified: Promise<void> | undefined;
  /** Entries as last read, by name, with their etags: what a listing need not read again. */
  private readonly known = new Map<string, Versioned<StoredEntry>>();

  constructor(blobs: BlobStore, options: RecordStoreOptions = {}) {
    this.blobs = blobs;
    this.description = blobs.description;
    this.revisionsKept = Math.max(1, options.revisionsKept ?? DEFAULT_REVISIONS_KEPT);
  }

  private async getJson<T>(key: string): Promise<Versioned<T> | undefined> {
    const blob = await this.blobs.get(key);
    return blob && { value: JSON.parse(blob.body) as T, etag: blob.etag };
  }

  private putJson(key: string, value: unknown, condition: WriteCondition) {
    return this.blobs.put(key, serialise(value), condition);
  }

  async fleet(options: { reread?: boolean } = {}): Promise<string | undefined> {
    if (!options.reread && this.fleetId !== undefined) return this.fleetId;
    // Concurrent callers (the agents of a batch in a fresh process) share one read; a reread
    // asked for now never takes the answer of a read that started before it.
    if (options.reread || !this.fleetRead) {
      const read = this.getJson<Fleet>(keys.fleet).then((found) => {
        this.fleetId = found?.value.id;
        return this.fleetId;
      });
      this.fleetRead = read;
      const forget = () => {
        if (this.fleetRead === read) this.fleetRead = undefined;
      };
      read.then(forget, forget);
    }
    return this.fleetRead;
  }

  /** The agents of a batch ensure the fleet at once: one of them creates it, the rest wait for it. */
  ensureFleet(): Promise<string> {
    if (!this.ensuring) {
      const ensuring = this.createFleet();
      this.ensuring = ensuring;
      const forget = () => {
        if (this.ensuring === ensuring) this.ensuring = undefined;
      };
      ensuring.then(forget, forget);
    }
    return this.ensuring;
  }

  private async createFleet(): Promise<string> {
    await this.verifyConditionalWrites();
    const known = await this.fleet();
    if (known) return known;
    const fleet: Fleet = {
      apiVersion: 'fleetplane.io/v1',
      kind: 'Fleet',
      id: randomUUID().replaceAll('-', '').slice(0, 16),
      createdAt: new Date().toISOString(),
    };
    try {
      await this.putJson(keys.fleet, fleet, { ifNoneMatch: '*' });
      this.fleetId = fleet.id;
    } catch (error) {
      // Another process created it first: theirs is the fleet (read afresh, not by a read begun before it).
      if (!(error instanceof ConflictError)) throw error;
      return (await this.fleet({ reread: true })) as string;
    }
    return fleet.id;
  }

  /**
   * Proves, once per process, that the backend refuses a create over an existing key and a
   * replace with a stale etag: every consistency guarantee of the store rests on both.
   */
  private verifyConditionalWrites(): Promise<void> {
    this.verified ??= (async () => {
      const ignored = ignoredCondition(await probeWriteConditions(this.blobs, keys.probe(randomUUID())));
      if (ignored)
        throw new SettingsError(
          `the store at ${this.description} does not enforce ${ignored} on writes, so concurrent deploys could lose writes; use a backend that does (DigitalOcean Spaces, AWS S3, a recent MinIO)`,
        );
    })();
    this.verified.catch(() => {
      this.verified = undefined;
    });
    return this.verified;
  }

  async readEntry(name: string): Promise<Versioned<StoredEntry> | undefined> {
    return this.getJson<StoredEntry>(keys.agent(name));
  }

  async read(name: string): Promise<Versioned<AgentRecord> | undefined> {
    const entry = await this.readEntry(name);
    return entry && !isTombstone(entry.value) ? (entry as Versioned<AgentRecord>) : undefined;
  }

  /**
   * Every record and tombstone. The delimiter folds each agent's revisions into one prefix, so
   * one key per agent is listed; a key whose listed etag is the one last read here is served
   * from memory (a warm function reads only what changed), any other is read, concurrently.
   */
  async listEntries(): Promise<StoredEntry[]> {
    const listing = await listAll(this.blobs, keys.agents, { delimiter: '/' });
    const listed = listedNames(listing);
    const present = new Set(listed.map(({ name }) => name));
    for (const name of this.known.keys()) if (!present.has(name)) this.known.delete(name);
    return (await this.readListed(listed)).sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * A page of names from one listing that starts after `after` (a second one only when the first
   * ends before the page is full): each agent takes a key and, with revisions, a folded prefix,
   * so twice the page (and one more name, to know whether more follow) is asked for.
   */
  async listPage({
    after,
    limit,
    visible = () => true,
  }: {
    after?: string;
    limit: number;
    visible?: (name: string) => boolean;
  }): Promise<EntryPage> {
    const listed: { name: string; etag?: string }[] = [];
    let continuation: string | undefined;
    do {
      const page = await this.blobs.list(keys.agents, {
        delimiter: '/',
        limit: Math.min(MAX_LIST_KEYS, 2 * (limit + 1)),
        ...(continuation ? { continuation } : after !== undefined ? { startAfter: keys.agent(after) } : {}),
      });
      listed.push(...listedNames(page).filter(({ name }) => visible(name)));
      continuation = page.next;
    } while (continuation && listed.length <= limit);
    const shown = listed.slice(0, limit);
    const entries = await this.readListed(shown);
    return { entries, ...(listed.length > limit ? { next: shown.at(-1)?.name as string } : {}) };
  }

  /**
   * The entries of listed names, in the listing's order: one whose listed etag is the one last
   * read here is served from memory (a warm function reads only what changed), any other is
   * read, concurrently. A name gone by the time it is read is left out.
   */
  private async readListed(listed: { name: string; etag?: string }[]): Promise<StoredEntry[]> {
    const entries = await mapLimit(listed, READ_CONCURRENCY, async ({ name, etag }) => {
      const cached = this.known.get(name);
      if (etag && cached?.etag === etag) return cached;
      const fresh = await this.readEntry(name);
      if (fresh) this.known.set(name, fresh);
      else this.known.delete(name);
      return fresh;
    });
    return entries.flatMap((entry) => (entry ? [entry.value] : []));
  }

  async list(): Promise<AgentRecord[]> {
    return (await this.listEntries()).filter((entry): entry is AgentRecord => !isTombstone(entry));
  }

  create(record: AgentRecord) {
    return this.putJson(keys.agent(record.name), record, { ifNoneMatch: '*' });
  }

  replace(record: AgentRecord, etag: string) {
    return this.putJson(keys.agent(record.name), record, { ifMatch: etag });
  }

  async remove(
    name: string,
    etag: string,
    deletedAt = new Date().toISOString(),
    deletedBy?: string,
  ): Promise<void> {
    const current = await this.readEntry(name);
    if (!current || current.etag !== etag || isTombstone(current.value))
      throw new ConflictError(`agent ${name} was changed by another request; read it again and retry`);
    const tombstone: Tombstone = {
      apiVersion: 'fleetplane.io/v1',
      kind: 'Tombstone',
      name,
      ...(current.value.incarnation ? { incarnation: current.value.incarnation } : {}),
      generation: current.value.generation,
      deletedAt,
      ...(deletedBy ? { deletedBy } : {}),
      ...(current.value.createdBy ? { createdBy: current.value.createdBy } : {}),
      releasedSecrets: releasedSecretsOf(name),
    };
    await this.putJson(keys.agent(name), tombstone, { ifMatch: etag });
  }

  async putRevision(record: AgentRecord): Promise<void> {
    const key = keys.revision(record.name, record.generation, record.incarnation);
    try {
      await this.putJson(key, record, { ifNoneMatch: '*' });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      // Write-once: the same generation kept twice (a retried deploy) is fine; another spec is not.
      const kept = await this.getJson<AgentRecord>(key);
      if (kept?.value.specHash !== record.specHash)
        throw new ConflictError(
          `revision ${record.generation} of agent ${record.name} already holds another spec; read the agent again and retry`,
          { cause: error },
        );
      return;
    }
    await this.pruneRevisions(record.name, record.incarnation);
  }

  /** Keeps the newest revisions of an incarnation; keys sort by generation (zero-padded). */
  private async pruneRevisions(name: string, incarnation?: string): Promise<void> {
    const { keys: found } = await listAll(this.blobs, keys.revisions(name, incarnation));
    const excess = found.sort().slice(0, Math.max(0, found.length - this.revisionsKept));
    await mapLimit(excess, READ_CONCURRENCY, (key) => this.blobs.delete(key));
  }

  async listRevisions(name: string, incarnation?: string): Promise<RevisionSummary[]> {
    const { keys: found } = await listAll(this.blobs, keys.revisions(name, incarnation));
    const records = await mapLimit(found, READ_CONCURRENCY, (key) => this.getJson<AgentRecord>(key));
    return records
      .flatMap((record) => (record ? [summaryOf(record.value)] : []))
      .sort((a, b) => a.generation - b.generation);
  }

  async readRevision(name: string, generation: number, incarnation?: string) {
    return (await this.getJson<AgentRecord>(keys.revision(name, generation, incarnation)))?.value;
  }

  async removeRevisions(name: string, incarnation?: string): Promise<void> {
    const { keys: found } = await listAll(this.blobs, keys.revisions(name, incarnation));
    await mapLimit(found, READ_CONCURRENCY, (key) => this.blobs.delete(key));
  }

  readSweepGuard(): Promise<Versioned<SweepGuard> | undefined> {
    return this.getJson<SweepGuard>(keys.sweepGuard);
  }

  async writeSweepGuard(guard: SweepGuard, etag: string | undefined): Promise<void> {
    await this.putJson(keys.sweepGuard, guard, etag ? { ifMatch: etag } : { ifNoneMatch: '*' });
  }

  async ping(): Promise<void> {
    await this.blobs.ping();
    await this.verifyConditionalWrites();
  }
}
