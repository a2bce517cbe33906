/**
 * Small capability interfaces over "where agents run": a Kubernetes cluster, or local
 * processes. The control plane depends on these only, never on an SDK; the shapes they
 * return (Observed, ObjectRef, AppliedObject) belong to the pure core.
 */
import type { AgentObject } from '../core/agent-objects/types.ts';
import type { AppliedObject, ObjectRef, Observed } from '../core/observed.ts';

export interface PodLog {
  pod: string;
  container: string;
  lines: string[];
}

export interface ClusterReader {
  /** Objects of one agent, or of every agent when `agent` is undefined. */
  observe(agent?: string): Promise<Observed>;
  podLogs(agent: string, options: { tailLines: number }): Promise<PodLog[]>;
}

export interface ClusterWriter {
  /**
   * Applies objects (server-side apply, in parallel); `observed` tells created from updated.
   * Each result carries the object as the cluster answered it, when it does.
   */
  apply(objects: AgentObject[], observed: ObjectRef[]): Promise<AppliedObject[]>;
  /** Deletes the objects; ones already gone count as deleted. */
  delete(refs: ObjectRef[]): Promise<void>;
}

export interface Cluster extends ClusterReader, ClusterWriter {
  readonly description: string;
  /** Round trip to the cluster's readiness endpoint; throws UnavailableError when unreachable. */
  ping(): Promise<void>;
}
