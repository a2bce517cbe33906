/**
 * The words of status shared by both tiers: phases, conditions, a pod's status, and the shape
 * of an agent's status as the API returns it. status.ts derives a dedicated agent's status,
 * pool-status.ts a pooled one's.
 *
 * Pure. Type-only imports from the Kubernetes client library.
 */
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { BuildStatus } from './build-status.ts';
import type { Tier } from './tiers.ts';

export const PHASES = [
  'Pending',
  'Building',
  'BuildFailed',
  'Deploying',
  'Running',
  'Degraded',
  'Failed',
  'Deleting',
] as const;
export type Phase = (typeof PHASES)[number];

export interface Condition {
  type: 'Stored' | 'Applied' | 'Available' | 'Progressing' | 'Degraded' | 'Built' | 'Routed' | 'Served';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

export interface PodStatus {
  name: string;
  phase: string;
  ready: boolean;
  restarts: number;
  node?: string;
  /** Why the pod is not serving: a container's waiting or last terminated reason. */
  reason?: string;
  message?: string;
  /** A pool pod: the generation of this agent it serves (none: not loaded there yet). */
  servedGeneration?: number;
  /** A pool pod: why this agent's config would not load there. */
  loadError?: string;
}

/** Where an agent's replicas run: pods of a Kubernetes cluster, or processes of the local server. */
export type Target = 'kubernetes' | 'local';

export interface AgentStatus {
  name: string;
  /** Dedicated (its own pods) or pooled (served by the namespace's pool; `pods` are the pool's). */
  tier: Tier;
  phase: Phase;
  /** Where its replicas run, once its workload is observed. */
  target?: Target;
  generation: number;
  /** Generation of the config the cluster runs (the Deployment's annotation). */
  appliedGeneration?: number;
  url: string;
  image?: string;
  replicas: { desired: number; ready: number; updated: number; available: number };
  autoscaling?: { min: number; max: number; current: number; targetCpuPercentage?: number };
  conditions: Condition[];
  /** The build of the image the agent should run, while its Job exists (in-cluster builds only). */
  build?: BuildStatus;
  pods?: PodStatus[];
}

/** Reasons that mean a pod is failing rather than starting. */
export const FAILING_REASONS = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'OOMKilled',
  'Error',
]);

export const iso = (value: Date | string | undefined) =>
  value instanceof Date ? value.toISOString() : value;

export function podStatusOf(pod: V1Pod): PodStatus {
  const containers = pod.status?.containerStatuses ?? [];
  const waiting = containers.find((c) => c.state?.waiting?.reason)?.state?.waiting;
  const terminated =
    containers.find((c) => c.state?.terminated)?.state?.terminated ??
    containers.find((c) => c.lastState?.terminated?.reason === 'OOMKilled')?.lastState?.terminated;
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  // A pod no node accepts never gets container statuses; the scheduler says why instead.
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const reason = waiting?.reason ?? terminated?.reason ?? unscheduled?.reason ?? pod.status?.reason;
  const message = waiting?.message ?? terminated?.message ?? unscheduled?.message ?? pod.status?.message;
  return {
    name: pod.metadata?.name ?? '',
    phase: pod.status?.phase ?? 'Unknown',
    ready,
    restarts: containers.reduce((sum, c) => sum + (c.restartCount ?? 0), 0),
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  };
}

export const condition = (
  type: Condition['type'],
  status: Condition['status'],
  reason: string,
  message: string,
  lastTransitionTime?: string,
): Condition => ({ type, status, reason, message, ...(lastTransitionTime ? { lastTransitionTime } : {}) });

/** The Deployment has rolled out: the controller saw its latest spec, and `desired` pods are updated and ready. */
export function rolledOut(deployment: V1Deployment | undefined, desired: number): boolean {
  return (
    deployment !== undefined &&
    (deployment.status?.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0) &&
    (deployment.status?.updatedReplicas ?? 0) >= desired &&
    (deployment.status?.readyReplicas ?? 0) >= desired &&
    desired > 0
  );
}
