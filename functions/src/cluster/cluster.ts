/**
 * Small capability interfaces over "where agents run": a Kubernetes cluster, or local
 * processes. The control plane depends on these only, never on an SDK; the shapes they
 * return (Observed, ObjectRef, AppliedObject) belong to the pure core.
 */
import type { V1Job } from '@kubernetes/client-node';
import type { AgentObject } from '../core/agent-objects/types.ts';
import type { BuildsObserved } from '../core/build-status.ts';
import type { AppliedObject, ObjectRef, Observed } from '../core/observed.ts';
import type { PoolObserved } from '../core/pool-observed.ts';

/** How many times `tail` lines of a pool pod's log are read to find a pooled agent's `tail`. */
export const POOLED_LOG_WINDOW = 20;

/** A pooled agent's lines among a pool pod's: its log lines carry `"agent":"<name>"`. */
export const linesOf = (agent: string, lines: readonly string[], tailLines: number) =>
  lines.filter((line) => line.includes(`"agent":"${agent}"`)).slice(-tailLines);

export interface PodLog {
  pod: string;
  container: string;
  lines: string[];
}

/**
 * What to observe: every object of one fleet (list, sweep), every object carrying one agent's
 * label whatever its fleet (deploy, get and delete check the fleet themselves), or both
 * narrowed together. Neither: every object fleetplane manages (an administrator's view).
 */
export interface ObserveScope {
  fleet?: string;
  agent?: string;
  /** Several agents at once (a batch deploy): one list call per kind for all of them. */
  agents?: readonly string[];
}

export interface ClusterReader {
  observe(scope: ObserveScope): Promise<Observed>;
  /**
   * The pool of pooled agents: its Deployment, its pods and their reports (three requests,
   * whatever the number of agents); with `objects`, every object of the pool as well, for drift.
   */
  observePool(options?: { objects?: boolean }): Promise<PoolObserved>;
  /**
   * Log tails of the agent's pods; of a pooled agent (`pooled`), the pool pods' lines that name
   * it (among each pod's last POOLED_LOG_WINDOW x tailLines lines).
   */
  podLogs(agent: string, options: { tailLines: number; pooled?: boolean }): Promise<PodLog[]>;
}

export interface ClusterWriter {
  /**
   * Applies objects (server-side apply, in parallel); `observed` tells created from updated.
   * Each result carries the object as the cluster answered it, when it does.
   */
  apply(objects: AgentObject[], observed: ObjectRef[]): Promise<AppliedObject[]>;
  /**
   * Deletes the objects, each only if it is still the object that was observed (its uid and
   * resourceVersion, when the ref has them); ones already gone count as deleted. Returns the
   * refs left alone because they changed in between.
   */
  delete(refs: ObjectRef[]): Promise<ObjectRef[]>;
}

export interface Cluster extends ClusterReader, ClusterWriter {
  readonly description: string;
  /** Round trip to the cluster's readiness endpoint; throws UnavailableError when unreachable. */
  ping(): Promise<void>;
  /** The image builds side of a Kubernetes cluster; absent where nothing can build (local processes). */
  buildsIn?(namespace: string): BuildCluster | undefined;
}

/**
 * Image builds in the builds namespace: Kaniko Jobs by their content-addressed name, their pods
 * and logs. Jobs are shared by every fleet (same context, same Job); they are found by tag.
 */
export interface BuildCluster {
  readonly namespace: string;
  /** The Job(s) and pods of one build, by the tag's label: one list call each. */
  observe(tag: string): Promise<BuildsObserved>;
  /** Creates the Job; when one of that name exists, answers it instead (`created: false`). */
  create(job: V1Job): Promise<{ job: V1Job; created: boolean }>;
  /** Deletes the Job (and, in the background, its pods) if it is still the one observed (uid). */
  remove(name: string, uid: string): Promise<void>;
  /** Log tails of the build's pods (the Kaniko container). */
  logs(tag: string, options: { tailLines: number }): Promise<PodLog[]>;
}
