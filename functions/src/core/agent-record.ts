/**
 * What the store keeps per agent: the resolved spec of the current generation, its hash and
 * timestamps. Desired state only; status is never stored, always read from the cluster.
 */
import type { AgentSpec } from './agent-spec.ts';

export interface AgentRecord {
  apiVersion: 'fleetplane.io/v1';
  name: string;
  generation: number;
  specHash: string;
  spec: AgentSpec;
  createdAt: string;
  updatedAt: string;
  /** What caused this generation: a deploy, or a rollback to an older generation. */
  cause: { kind: 'deploy' } | { kind: 'rollback'; toGeneration: number };
}

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
