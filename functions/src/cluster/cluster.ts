/**
 * Small capability interfaces over "where agents run": a Kubernetes cluster, or local
 * processes. The reconcile and status code depend on these only, never on an SDK.
 */
import type { V1Deployment, V1Ingress, V1Pod, V2HorizontalPodAutoscaler } from '@kubernetes/client-node';
import type { AgentObject, HTTPRoute } from '../core/manifests/types.ts';

/** What identifies one object for deletion and outcome reports. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** The agent it belongs to (its `fleetplane.io/agent` label). */
  agent: string;
  /** The generation annotation the object was last applied with, if any. */
  generation?: number;
  resourceVersion?: string;
}

/** Everything fleetplane manages, as seen in one pass: one list call per kind. */
export interface Observed {
  objects: ObjectRef[];
  deployments: V1Deployment[];
  pods: V1Pod[];
  hpas: V2HorizontalPodAutoscaler[];
  ingresses: V1Ingress[];
  httpRoutes: HTTPRoute[];
}

export type ApplyOutcome = 'created' | 'updated' | 'unchanged';

export interface AppliedObject {
  kind: string;
  name: string;
  outcome: ApplyOutcome;
}

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
  /** Applies objects (server-side apply, in parallel); `observed` tells created from updated. */
  apply(objects: AgentObject[], observed: ObjectRef[]): Promise<AppliedObject[]>;
  /** Deletes the objects; ones already gone count as deleted. */
  delete(refs: ObjectRef[]): Promise<void>;
}

export interface Cluster extends ClusterReader, ClusterWriter {
  readonly description: string;
  /** Round trip to the cluster's readiness endpoint; throws UnavailableError when unreachable. */
  ping(): Promise<void>;
}

export function emptyObserved(): Observed {
  return { objects: [], deployments: [], pods: [], hpas: [], ingresses: [], httpRoutes: [] };
}
