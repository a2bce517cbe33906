/**
 * What the store keeps per agent name: the current record (the resolved spec of the current
 * generation, its hash and timestamps) or, once the agent is deleted, a tombstone. Desired
 * state only; status is never stored, always read from the cluster.
 *
 * Each creation of a name starts a new incarnation (a random id): its revisions are kept
 * under it, so an agent re-created under an old name never inherits the old one's history.
 *
 * A record keeps which token scope created its incarnation and which wrote its generation
 * (`deployer:team-a-*`, `admin:*`): only the creator's scope or an admin may change where the
 * agent's Secrets go (secret-ownership.ts). A tombstone says the name's Secrets are released, and
 * keeps their owner.
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
  /** The scope that created this incarnation; absent on records older than scoped tokens. */
  createdBy?: string;
  /** The scope that wrote this generation. */
  updatedBy?: string;
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
  /** The scope that deleted it (absent on tombstones older than scoped tokens). */
  deletedBy?: string;
  /** The deleted agent's owner, who still owns its name's Secrets (secret-ownership.ts). */
  createdBy?: string;
  /** The note every delete leaves: which Secrets the name no longer uses (releasedSecretsOf). */
  releasedSecrets?: ReleasedSecrets;
}

/**
 * Secrets are the operator's, never deleted by fleetplane, and named after the agent: once it
 * is gone, whoever deploys the name next may read them. A delete says so, in its answer and
 * its tombstone, so that an operator removes them.
 */
export interface ReleasedSecrets {
  /** The names the agent's Secrets have: `<agent>.*`. */
  names: string;
  detail: string;
}

export function releasedSecretsOf(name: string): ReleasedSecrets {
  return {
    names: `${name}.*`,
    detail: `Secrets named ${name}.* (in the agents' namespace; local secret files on the local server) are no longer used by "${name}" and were not deleted: whoever deploys the name "${name}" next may read them. Remove them unless you mean to deploy it again.`,
  };
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
