/**
 * The config store's interface: desired state per agent with conditional writes, and the
 * previous generations kept as revisions. Implementations: S3/Spaces and a local directory.
 *
 * Contract every implementation keeps:
 * - `create` fails with ConflictError when the agent exists (If-None-Match: *).
 * - `replace` and `remove` fail with ConflictError when the etag is stale (If-Match).
 * - an unreachable backend raises UnavailableError('store'), never a raw SDK error.
 */
import type { AgentRecord, RevisionSummary, Versioned } from './agent-record.ts';

export interface ConfigStore {
  /** Where the store lives, for /health and logs (no credentials). */
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

export const keys = {
  prefix: 'agents/',
  agent: (name: string) => `agents/${name}.json`,
  revisions: (name: string) => `agents/${name}/revisions/`,
  revision: (name: string, generation: number) =>
    `agents/${name}/revisions/${String(generation).padStart(8, '0')}.json`,
};

/** The agent name of a key `agents/<name>.json`, or undefined for revision keys. */
export function nameOfKey(key: string): string | undefined {
  const match = /^agents\/([a-z0-9-]+)\.json$/.exec(key);
  return match?.[1];
}

/** Runs `task` over items with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
