/**
 * What the store keeps per agent name: the current record (the resolved spec of the current
 * generation, its hash and timestamps) or, once the agent is deleted, a tombstone. Desired
 * state only; status is never stored, always read from the cluster.
 *
 * Each creation of a name starts a new incarnation (a random id): its revisions are kept
 * under it, so an agent re-created under an old name never inherits the old one's history.
 */
import type { AgentSpec } from './agent-spec.ts';

export interface AgentRecord {
  apiVersion: 'fleetplane.io/v1';
  kind?: 'Agent';
  name: string;
  /** This incarnation of the name; absent on records written before incarnations existed. */
  incarnation?: string;
  generation: number;
  specHash: string;
  spec: AgentSpec;
  createdAt: string;
  updatedAt: string;
  /** What caused this generation: a deploy, or a rollback to an older generation. */
  cause: { kind: 'deploy' } | { kind: 'rollback'; toGeneration: number };
}

/**
 * What DELETE leaves in place of the record: proof that the agent's objects are unwanted,
 * which the sweep needs before it deletes them, and the version a re-creation must replace.
 */
export interface Tombstone {
  apiVersion: 'fleetplane.io/v1';
  kind: 'Tombstone';
  name: string;
  incarnation?: string;
  /** The last generation of the deleted incarnation. */
  generation: number;
  deletedAt: string;
}

export type StoredEntry = AgentRecord | Tombstone;

export const isTombstone = (entry: StoredEntry | undefined): entry is Tombstone =>
  entry?.kind === 'Tombstone';

/** A stored value with the version token the store uses for conditional writes. */
export interface Versioned<T> {
  value: T;
  etag: string;
}

export interface RevisionSummary {
  generation: number;
  specHash: string;
  updatedAt: string;
  cause: AgentRecord['cause'];
}

export function summaryOf(record: AgentRecord): RevisionSummary {
  return {
    generation: record.generation,
    specHash: record.specHash,
    updatedAt: record.updatedAt,
    cause: record.cause,
  };
}
