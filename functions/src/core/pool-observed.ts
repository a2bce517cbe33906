/**
 * What the control plane sees of the pool: its objects (for drift), its pods, and what each pod
 * reports it serves (the Lease shards of agent-runtime/src/pool/contract.ts, read back as
 * untrusted data). From these, whether the pool serves one agent's current config: on every
 * ready pod, the generation stored and the exact ConfigMap version applied.
 *
 * Pure. Type-only imports from the Kubernetes client library.
 */
import type { KubernetesObject, V1Deployment, V1Pod } from '@kubernetes/client-node';
import {
  emptyReport,
  type LoadFailure,
  mergeReports,
  type PoolReport,
  REPORT_POD_LABEL,
  reportFromAnnotations,
} from '#agent-runtime/pool-contract';
import { TARGET_LABEL } from './agent-objects/labels.ts';

export interface PoolObserved {
  /** The pool's own objects as listed (Deployment, Service, route, ...); empty when not asked for. */
  live: KubernetesObject[];
  /** The pool's Deployment, one per target (the cluster's; the local server's). */
  deployments: V1Deployment[];
  pods: V1Pod[];
  /** Each pod's report (its shards merged), by pod name; a pod without one has not reported yet. */
  reports: Map<string, PoolReport>;
}

export const emptyPool = (): PoolObserved => ({ live: [], deployments: [], pods: [], reports: new Map() });

const targetOf = (object: { metadata?: { labels?: Record<string, string> } }) =>
  object.metadata?.labels?.[TARGET_LABEL];

/** The pool of one target (where the agent runs: its ConfigMap's target label); all when unset. */
export function poolFor(pool: PoolObserved, target: string | undefined): PoolObserved {
  if (!target) return pool;
  const mine = (object: { metadata?: { labels?: Record<string, string> } }) =>
    (targetOf(object) ?? target) === target;
  return { ...pool, deployments: pool.deployments.filter(mine), pods: pool.pods.filter(mine) };
}

/** A report Lease as listed: the pod it speaks for, and its owner, to tell a pod from a namesake. */
type ReportLease = KubernetesObject & { spec?: { holderIdentity?: string } };

/** Reports by pod, from the listed Leases; a Lease owned by another pod of the same name is ignored. */
export function reportsByPod(
  leases: readonly ReportLease[],
  pods: readonly V1Pod[],
): Map<string, PoolReport> {
  const uidOf = new Map(pods.map((pod) => [pod.metadata?.name ?? '', pod.metadata?.uid]));
  const parts = new Map<string, PoolReport[]>();
  for (const lease of leases) {
    const pod = lease.metadata?.labels?.[REPORT_POD_LABEL];
    if (!pod || lease.spec?.holderIdentity !== pod) continue;
    const owner = lease.metadata?.ownerReferences?.find((ref) => ref.kind === 'Pod')?.uid;
    const uid = uidOf.get(pod);
    if (owner && uid && owner !== uid) continue;
    const list = parts.get(pod) ?? [];
    list.push(reportFromAnnotations(lease.metadata?.annotations));
    parts.set(pod, list);
  }
  return new Map([...parts].map(([pod, list]) => [pod, mergeReports(list)]));
}

export const isReady = (pod: V1Pod) =>
  pod.metadata?.deletionTimestamp === undefined &&
  (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);

/** How one ready pool pod stands with one agent. */
export interface ReplicaServing {
  pod: string;
  /** The generation it serves, if any. */
  generation?: number;
  /** It serves exactly the wanted config. */
  current: boolean;
  failure?: LoadFailure;
}

export interface Serving {
  /** Ready pool pods. */
  ready: number;
  /** Ready pods serving the wanted config. */
  current: number;
  replicas: ReplicaServing[];
  /** A load failure of the wanted config, reported by a ready pod. */
  failure?: LoadFailure & { pod: string };
}

/**
 * How the pool serves agent `name`, wanted at `generation` from the ConfigMap version `version`.
 * Only ready pods count: a pod that is starting or going serves no request.
 */
export function servingOf(
  pool: PoolObserved,
  name: string,
  want: { generation: number; version?: string },
): Serving {
  const replicas: ReplicaServing[] = [];
  let failure: Serving['failure'];
  for (const pod of pool.pods.filter(isReady)) {
    const podName = pod.metadata?.name ?? '';
    const report = pool.reports.get(podName) ?? emptyReport();
    const loaded = report.serving[name];
    const failed = report.failed[name];
    const matches = (entry: { generation: number; version: string } | undefined) =>
      entry !== undefined &&
      entry.generation === want.generation &&
      (want.version === undefined || entry.version === want.version);
    if (matches(failed) && failed) failure ??= { ...failed, pod: podName };
    replicas.push({
      pod: podName,
      ...(loaded ? { generation: loaded.generation } : {}),
      current: matches(loaded),
      ...(failed ? { failure: failed } : {}),
    });
  }
  return {
    ready: replicas.length,
    current: replicas.filter((replica) => replica.current).length,
    replicas,
    ...(failure ? { failure } : {}),
  };
}

/** Every ready pod serves the wanted config (and there is at least one). */
export const servedEverywhere = (serving: Serving) => serving.ready > 0 && serving.current === serving.ready;
