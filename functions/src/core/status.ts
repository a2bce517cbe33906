/**
 * An agent's status, derived (never stored) from its stored record and what the cluster
 * shows: phase, Kubernetes-style conditions, replicas, pods' reasons, the build. A pooled
 * agent's comes from the pool's reports instead (pool-status.ts).
 *
 * Pure. Phases: Pending (stored, nothing applied), Building, BuildFailed, Deploying, Running,
 * Degraded (pods failing: CrashLoopBackOff, ImagePullBackOff, OOMKilled, ...), Failed
 * (progress deadline exceeded), Deleting (objects without a stored config). An agent moving
 * between tiers is Deploying until the other tier's objects are gone.
 */
import type { V1Deployment } from '@kubernetes/client-node';
import { AGENT_LABEL, GENERATION_ANNOTATION, LOCAL_PROCESSES_ANNOTATION } from './agent-objects/labels.ts';
import type { AgentRecord } from './agent-record.ts';
import type { BuildStatus } from './build-status.ts';
import { runsImage } from './image-ref.ts';
import type { Observed } from './observed.ts';
import type { PoolObserved } from './pool-observed.ts';
import { derivePooledStatus, pooledConfigMapOf } from './pool-status.ts';
import {
  type AgentStatus,
  type Condition,
  condition,
  FAILING_REASONS,
  iso,
  type Phase,
  podStatusOf,
  rolledOut,
  type Target,
} from './status-parts.ts';
import { tierOf } from './tiers.ts';

export {
  type AgentStatus,
  type Condition,
  FAILING_REASONS,
  PHASES,
  type Phase,
  type PodStatus,
  podStatusOf,
  type Target,
} from './status-parts.ts';

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

export interface StatusInput {
  name: string;
  record?: AgentRecord;
  observed: Observed;
  /** Public URL of the agent. */
  url: string;
  /** The build of the image the agent should run, when one is observed. */
  build?: BuildStatus;
  /** The pool's pods and reports (needed for pooled agents only). */
  pool?: PoolObserved;
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

export function deriveStatus(input: StatusInput): AgentStatus {
  const pooled = input.record
    ? tierOf(input.record.spec) === 'pooled'
    : pooledConfigMapOf(input.observed, input.name) !== undefined;
  return pooled ? derivePooledStatus(input) : deriveDedicatedStatus(input);
}

function deriveDedicatedStatus(input: StatusInput): AgentStatus {
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
  const rolledOutNow = rolledOut(deployment, desired);

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
  else if (upToDate && rolledOutNow) phase = 'Running';
  else phase = 'Deploying';
  // Moving from the pool: Running once the pooled ConfigMap is gone (reconcile removes it once this serves).
  const leftInPool = record ? pooledConfigMapOf(observed, name) : undefined;
  if (leftInPool && phase === 'Running') {
    phase = 'Deploying';
    conditions.push(
      condition(
        'Progressing',
        'True',
        'LeavingPool',
        'the agent runs on its own pods; its pooled config goes once its route serves them',
      ),
    );
  }

  return {
    name,
    tier: 'dedicated',
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
