/**
 * The config store's interface, as the control plane uses it: desired state per agent with
 * conditional writes, and the previous generations kept as revisions. One implementation,
 * RecordStore, over any BlobStore (S3/Spaces, a local directory).
 *
 * Contract:
 * - `create` fails with ConflictError when the agent exists (If-None-Match: *).
 * - `replace` and `remove` fail with ConflictError when the etag is stale (If-Match).
 * - an unreachable backend raises UnavailableError('store'), never a raw SDK error.
 */
import type { AgentRecord, RevisionSummary, Versioned } from '../core/agent-record.ts';

export interface ConfigStore {
  /** Where the store lives, for logs (no credentials). */
  readonly description: string;
  read(name: string): Promise<Versioned<AgentRecord> | undefined>;
  list(): Promise<AgentRecord[]>;
  create(record: AgentRecord): Promise<string>;
  replace(record: AgentRecord, etag: string): Promise<string>;
  remove(name: string, etag?: string): Promise<void>;
  /** Keeps a generation as a revision; writing the same generation twice is harmless. */
  putRevision(record: AgentRecord): Promise<void>;
  listRevisions(name: string): Promise<RevisionSummary[]>;
  readRevision(name: string, generation: number): Promise<AgentRecord | undefined>;
  removeRevisions(name: string): Promise<void>;
  /** A cheap round trip proving the backend is reachable and the credentials work. */
  ping(): Promise<void>;
}
