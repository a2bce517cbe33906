/**
 * An agent's status, derived (never stored) from its stored record and what the cluster
 * shows: phase, Kubernetes-style conditions, replicas, pods' reasons, the build.
 *
 * Pure. Phases: Pending (stored, nothing applied), Building, BuildFailed, Deploying, Running,
 * Degraded (pods failing: CrashLoopBackOff, ImagePullBackOff, OOMKilled, ...), Failed
 * (progress deadline exceeded), Deleting (objects without a stored config).
 */
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { AGENT_LABEL, GENERATION_ANNOTATION, LOCAL_PROCESSES_ANNOTATION } from './agent-objects/labels.ts';
import type { AgentRecord } from './agent-record.ts';
import type { BuildStatus } from './build-status.ts';
import { runsImage } from './image-ref.ts';
import type { Observed } from './observed.ts';

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
  type: 'Stored' | 'Applied' | 'Available' | 'Progressing' | 'Degraded' | 'Built' | 'Routed';
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
}

/** Where an agent's replicas run: pods of a Kubernetes cluster, or processes of the local server. */
export type Target = 'kubernetes' | 'local';

/** How status speaks of a target's replicas, so a laptop hears of processes, not pods. */
const TERMS: Record<Target, { runs: string; replica: string }> = {
  kubernetes: { runs: 'the cluster runs', replica: 'pod' },
  local: { runs: 'the local processes run', replica: 'process' },
};

/** The target an agent's observed workload runs on; undefined while none is observed. */
export function targetOf(deployment: V1Deployment | undefined): Target | undefined {
  if (!deployment) return undefined;
  return deployment.metadata?.annotations?.[LOCAL_PROCESSES_ANNOTATION] === 'true' ? 'local' : 'kubernetes';
}

export interface AgentStatus {
  name: string;
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

const iso = (value: Date | string | undefined) => (value instanceof Date ? value.toISOString() : value);

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

export interface StatusInput {
  name: string;
  record?: AgentRecord;
  observed: Observed;
  /** Public URL of the agent. */
  url: string;
  /** The build of the image the agent should run, when one is observed. */
  build?: BuildStatus;
}

const BUILT: Record<BuildStatus['phase'], { status: Condition['status']; reason: string }> = {
  Pending: { status: 'Unknown', reason: 'Building' },
  Running: { status: 'Unknown', reason: 'Building' },
  Succeeded: { status: 'True', reason: 'ImageBuilt' },
  Failed: { status: 'False', reason: 'BuildFailed' },
};

function builtCondition(build: BuildStatus): Condition {
  const { status, reason } = BUILT[build.phase];
  const message =
    build.reason ??
    (build.phase === 'Succeeded'
      ? `${build.job} pushed ${build.image}${build.digest ? `@${build.digest}` : ''}`
      : `build job ${build.job} is ${build.phase.toLowerCase()}`);
  return {
    type: 'Built',
    status,
    reason,
    message,
    ...(build.finishedAt ? { lastTransitionTime: build.finishedAt } : {}),
  };
}

const condition = (
  type: Condition['type'],
  status: Condition['status'],
  reason: string,
  message: string,
  lastTransitionTime?: string,
): Condition => ({ type, status, reason, message, ...(lastTransitionTime ? { lastTransitionTime } : {}) });

export function deriveStatus(input: StatusInput): AgentStatus {
  const { record, observed, name } = input;
  const deployment: V1Deployment | undefined = observed.deployments.find((d) => d.metadata?.name === name);
  const pods = observed.pods.filter((pod) => pod.metadata?.labels?.[AGENT_LABEL] === name).map(podStatusOf);
  const hpa = observed.hpas.find((h) => h.metadata?.name === name);
  const appliedGeneration = Number(deployment?.metadata?.annotations?.[GENERATION_ANNOTATION]) || undefined;
  const desired =
    hpa?.status?.desiredReplicas ?? deployment?.spec?.replicas ?? record?.spec.scaling.replicas ?? 0;
  const replicas = {
    desired,
    ready: deployment?.status?.readyReplicas ?? 0,
    updated: deployment?.status?.updatedReplicas ?? 0,
    available: deployment?.status?.availableReplicas ?? 0,
  };
  const build = input.build;
  const conditions: Condition[] = [];
  const generation = record?.generation ?? 0;

  if (record)
    conditions.push(
      condition('Stored', 'True', 'ConfigStored', `generation ${generation} is stored`, record.updatedAt),
    );
  else
    conditions.push(
      condition(
        'Stored',
        'False',
        'ConfigDeleted',
        'no config is stored; remaining objects are being removed',
      ),
    );

  if (build) conditions.push(builtCondition(build));

  const target = targetOf(deployment);
  const terms = TERMS[target ?? 'kubernetes'];
  const upToDate = deployment !== undefined && appliedGeneration === generation;
  conditions.push(
    deployment
      ? condition(
          'Applied',
          upToDate ? 'True' : 'False',
          upToDate ? 'UpToDate' : 'Outdated',
          upToDate
            ? `${terms.runs} generation ${generation}`
            : `${terms.runs} generation ${appliedGeneration ?? 'unknown'}, generation ${generation} is stored`,
        )
      : condition('Applied', 'False', 'NotApplied', 'nothing is applied yet'),
  );

  for (const type of ['Available', 'Progressing'] as const) {
    const source = deployment?.status?.conditions?.find((c) => c.type === type);
    if (source)
      conditions.push(
        condition(
          type,
          source.status as Condition['status'],
          source.reason ?? type,
          source.message ?? '',
          iso(source.lastTransitionTime),
        ),
      );
  }

  const routed = routedCondition(observed, name);
  if (routed) conditions.push(routed);

  const failing = pods.find((pod) => pod.reason && FAILING_REASONS.has(pod.reason));
  conditions.push(
    failing
      ? condition(
          'Degraded',
          'True',
          failing.reason as string,
          `${terms.replica} ${failing.name}: ${failing.message ?? failing.reason}`,
        )
      : condition('Degraded', 'False', 'PodsHealthy', `no ${terms.replica} reports a failure`),
  );

  const progressDeadline = deployment?.status?.conditions?.find(
    (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
  );
  const rolledOut =
    deployment !== undefined &&
    (deployment.status?.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0) &&
    replicas.updated >= desired &&
    replicas.ready >= desired &&
    desired > 0;

  const image = deployment?.spec?.template.spec?.containers[0]?.image;
  // Waiting for the build: the cluster does not run the built image yet (or, while it builds,
  // not this generation on it). Whatever runs meanwhile is left alone, so the build decides the phase.
  const onBuiltImage = build !== undefined && runsImage(image, build.image);
  const waiting =
    build !== undefined && (build.phase === 'Succeeded' ? !onBuiltImage : !(onBuiltImage && upToDate));

  let phase: Phase;
  if (!record) phase = 'Deleting';
  else if (waiting) phase = build.phase === 'Failed' ? 'BuildFailed' : 'Building';
  else if (!deployment) phase = 'Pending';
  else if (progressDeadline) phase = 'Failed';
  else if (failing) phase = 'Degraded';
  else if (upToDate && rolledOut) phase = 'Running';
  else phase = 'Deploying';

  return {
    name,
    phase,
    ...(target ? { target } : {}),
    generation,
    ...(appliedGeneration ? { appliedGeneration } : {}),
    url: input.url,
    ...(image ? { image } : {}),
    replicas,
    ...(hpa
      ? {
          autoscaling: {
            min: hpa.spec?.minReplicas ?? 1,
            max: hpa.spec?.maxReplicas ?? 1,
            current: hpa.status?.currentReplicas ?? 0,
            ...(record?.spec.scaling.autoscale
              ? { targetCpuPercentage: record.spec.scaling.targetCpuPercentage }
              : {}),
          },
        }
      : {}),
    conditions,
    ...(build ? { build } : {}),
    pods,
  };
}

/**
 * Whether traffic can reach the agent from outside: the Ingress has an address from its
 * controller, or a Gateway accepted the HTTPRoute. Undefined when the agent has neither.
 */
function routedCondition(observed: Observed, name: string): Condition | undefined {
  const ingress = observed.ingresses.find((item) => item.metadata?.name === name);
  if (ingress) {
    const address = ingress.status?.loadBalancer?.ingress
      ?.map((entry) => entry.ip ?? entry.hostname)
      .filter(Boolean);
    return address?.length
      ? condition('Routed', 'True', 'AddressAssigned', `the Ingress is served at ${address.join(', ')}`)
      : condition(
          'Routed',
          'Unknown',
          'WaitingForAddress',
          'the ingress controller has not assigned an address yet',
        );
  }
  const route = observed.httpRoutes.find((item) => item.metadata?.name === name);
  if (!route) return undefined;
  const accepted = route.status?.parents
    ?.flatMap((parent) => parent.conditions ?? [])
    .find((c) => c.type === 'Accepted');
  if (!accepted)
    return condition('Routed', 'Unknown', 'WaitingForGateway', 'no Gateway has accepted the HTTPRoute yet');
  return condition(
    'Routed',
    accepted.status === 'True' ? 'True' : 'False',
    accepted.reason ?? 'Accepted',
    accepted.message ||
      (accepted.status === 'True'
        ? 'the Gateway accepted the HTTPRoute'
        : 'the Gateway refused the HTTPRoute'),
  );
}
