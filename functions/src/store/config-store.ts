/**
 * The config store's interface, as the control plane uses it: desired state per agent name
 * (a record, or the tombstone DELETE leaves), the earlier generations of each incarnation as
 * revisions, and the store's own identity (its fleet id). One implementation, RecordStore,
 * over any BlobStore (S3/Spaces, a local directory).
 *
 * Contract:
 * - `create` fails with ConflictError when the name has a record or a tombstone (If-None-Match: *);
 *   `replace` and `remove` fail with ConflictError when the etag is stale (If-Match). No write
 *   is ever unconditional, so of two concurrent writers exactly one wins.
 * - `remove` leaves a tombstone; `read` and `list` show live records only.
 * - `listPage` follows the order of the keys `agents/<name>.json`: name order, except that the end
 *   of a name sorts after `-` (`web-1`, `web`, `web1`). Pages chained by `next` list every
 *   name once.
 * - an unreachable backend raises UnavailableError('store'), never a raw SDK error.
 */
import type { AgentRecord, RevisionSummary, StoredEntry, Versioned } from '../core/agent-record.ts';
import type { SweepGuard } from '../core/sweep-guard.ts';

/** A page of stored names: records and tombstones, and where the next page starts, if any. */
export interface EntryPage {
  entries: StoredEntry[];
  /** The last name of this page when more follow: the next page's `after`. */
  next?: string;
}

export interface ConfigStore {
  /** Where the store lives, for logs (no credentials). */
  readonly description: string;
  /**
   * The store's fleet id, or undefined when nothing was ever deployed to it. Read once per
   * process, unless `reread` asks to look again (the sweep does, before it may delete).
   */
  fleet(options?: { reread?: boolean }): Promise<string | undefined>;
  /**
   * The store's fleet id, created on first use. Before the first write of a process it also
   * proves that the backend enforces conditional writes (SettingsError when it does not).
   */
  ensureFleet(): Promise<string>;
  read(name: string): Promise<Versioned<AgentRecord> | undefined>;
  /** The record or tombstone of a name, with the etag a conditional write needs. */
  readEntry(name: string): Promise<Versioned<StoredEntry> | undefined>;
  list(): Promise<AgentRecord[]>;
  /** Every record and tombstone: one listing of the names, then their contents. */
  listEntries(): Promise<StoredEntry[]>;
  /**
   * One page of records and tombstones, in key order, after the name `after`: its listing
   * costs requests in proportion to `limit`, never to the number of agents stored.
   */
  /** `visible`: names outside it are skipped before paging (a token's scope), never read. */
  listPage(page: { after?: string; limit: number; visible?: (name: string) => boolean }): Promise<EntryPage>;
  create(record: AgentRecord): Promise<string>;
  /** Replaces a record or a tombstone with a record (If-Match). */
  replace(record: AgentRecord, etag: string): Promise<string>;
  /** Replaces the record with a tombstone (If-Match on the record's etag), which notes the released Secrets. */
  remove(name: string, etag: string, deletedAt?: string, deletedBy?: string): Promise<void>;
  /** Keeps a generation as a revision of its incarnation: write-once, the same content twice is harmless. */
  putRevision(record: AgentRecord): Promise<void>;
  listRevisions(name: string, incarnation?: string): Promise<RevisionSummary[]>;
  readRevision(name: string, generation: number, incarnation?: string): Promise<AgentRecord | undefined>;
  removeRevisions(name: string, incarnation?: string): Promise<void>;
  /** The sweep's guard against mass deletion (core/sweep-guard.ts); undefined before the first. */
  readSweepGuard(): Promise<Versioned<SweepGuard> | undefined>;
  /**
   * Writes the guard If-Match the etag it was read with (If-None-Match when there was none):
   * ConflictError when another sweep wrote it first.
   */
  writeSweepGuard(guard: SweepGuard, etag: string | undefined): Promise<void>;
  /** A round trip proving the backend is reachable, the credentials work and writes are conditional. */
  ping(): Promise<void>;
}
