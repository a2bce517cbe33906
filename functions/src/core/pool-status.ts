/**
 * A pooled agent's status, derived from its ConfigMap and what the pool's pods report:
 *
 *   Pending    stored, its ConfigMap not applied yet, or no pool in the namespace yet
 *   Deploying  some ready pool pod does not serve this generation yet (or none is ready), or
 *              the agent's dedicated objects (it is moving to the pool) are not gone yet
 *   Running    every ready pool pod serves exactly this generation's ConfigMap
 *   Failed     a ready pool pod could not load this generation's config (the reason is given)
 *   Degraded   the pool's pods are failing (CrashLoopBackOff, ...)
 *   Deleting   no config is stored; the ConfigMap is being removed
 *
 * `pods` are the pool's, each with the generation of this agent it serves or its load error.
 *
 * Pure.
 */
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { GENERATION_ANNOTATION, objectNames, TARGET_LABEL } from './agent-objects/labels.ts';
import type { AgentRecord } from './agent-record.ts';
import type { Observed } from './observed.ts';
import { emptyPool, type PoolObserved, poolFor, servedEverywhere, servingOf } from './pool-observed.ts';
import {
  type AgentStatus,
  type Condition,
  condition,
  FAILING_REASONS,
  type Phase,
  podStatusOf,
} from './status-parts.ts';

export interface PooledStatusInput {
  name: string;
  record?: AgentRecord;
  observed: Observed;
  url: string;
  pool?: PoolObserved;
}

/** The agent's pooled ConfigMap as observed, if any. */
export function pooledConfigMapOf(observed: Observed, name: string): KubernetesObject | undefined {
  const wanted = objectNames.pooledConfig(name);
  return observed.live.find((object) => object.kind === 'ConfigMap' && object.metadata?.name === wanted);
}

/** What the agent has of the dedicated tier (it is moving to the pool, or was): Deployment, Service, ... */
export function dedicatedLeftovers(observed: Observed, name: string): KubernetesObject[] {
  const pooled = objectNames.pooledConfig(name);
  return observed.live.filter((object) => !(object.kind === 'ConfigMap' && object.metadata?.name === pooled));
}

/** The version of the pooled ConfigMap the pool must have loaded: its resourceVersion as observed. */
export function pooledVersionOf(observed: Observed, name: string): string | undefined {
  const wanted = objectNames.pooledConfig(name);
  return observed.objects.find((ref) => ref.kind === 'ConfigMap' && ref.name === wanted)?.resourceVersion;
}

export function derivePooledStatus(input: PooledStatusInput): AgentStatus {
  const { record, observed, name } = input;
  const configMap = pooledConfigMapOf(observed, name);
  const target = configMap?.metadata?.labels?.[TARGET_LABEL] ?? record?.spec.cloud.toLowerCase();
  const pool = poolFor(input.pool ?? emptyPool(), target);
  const generation = record?.generation ?? 0;
  const appliedGeneration = Number(configMap?.metadata?.annotations?.[GENERATION_ANNOTATION]) || undefined;
  const version = pooledVersionOf(observed, name);
  const serving = servingOf(pool, name, { generation, ...(version ? { version } : {}) });
  const leftovers = dedicatedLeftovers(observed, name);
  const conditions: Condition[] = [
    record
      ? condition('Stored', 'True', 'ConfigStored', `generation ${generation} is stored`, record.updatedAt)
      : condition('Stored', 'False', 'ConfigDeleted', 'no config is stored; its ConfigMap is being removed'),
  ];
  const upToDate = configMap !== undefined && appliedGeneration === generation;
  conditions.push(
    configMap
      ? condition(
          'Applied',
          upToDate ? 'True' : 'False',
          upToDate ? 'UpToDate' : 'Outdated',
          upToDate
            ? `its ConfigMap holds generation ${generation}`
            : `its ConfigMap holds generation ${appliedGeneration ?? 'unknown'}, generation ${generation} is stored`,
        )
      : condition('Applied', 'False', 'NotApplied', 'its ConfigMap is not applied yet'),
  );
  const deployment: V1Deployment | undefined = pool.deployments[0];
  const pods = pool.pods.map(podStatusOf);
  const failingPod = pods.find((pod) => pod.reason && FAILING_REASONS.has(pod.reason));
  const served = upToDate && servedEverywhere(serving);
  conditions.push(
    !deployment
      ? condition(
          'Served',
          'False',
          'NoPool',
          'the namespace has no pool yet; it is created with the first pooled agent',
        )
      : serving.failure
        ? condition(
            'Served',
            'False',
            'ConfigLoadFailed',
            `pool pod ${serving.failure.pod}: ${serving.failure.error}`,
          )
        : served
          ? condition(
              'Served',
              'True',
              'ServedByPool',
              `all ${serving.ready} ready pool pods serve generation ${generation}`,
            )
          : condition(
              'Served',
              'False',
              serving.ready === 0 ? 'NoReadyPoolPod' : 'Loading',
              serving.ready === 0
                ? 'no pool pod is ready yet'
                : `${serving.current} of ${serving.ready} ready pool pods serve generation ${generation}`,
            ),
  );
  conditions.push(
    failingPod
      ? condition(
          'Degraded',
          'True',
          failingPod.reason as string,
          `pool pod ${failingPod.name}: ${failingPod.message ?? failingPod.reason}`,
        )
      : condition('Degraded', 'False', 'PodsHealthy', 'no pool pod reports a failure'),
  );
  if (leftovers.length)
    conditions.push(
      condition(
        'Progressing',
        'True',
        'LeavingDedicated',
        `its dedicated objects (${leftovers.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}) serve until the pool serves generation ${generation}, then go`,
      ),
    );

  let phase: Phase;
  if (!record) phase = 'Deleting';
  else if (!configMap || !deployment) phase = 'Pending';
  else if (serving.failure && upToDate) phase = 'Failed';
  else if (failingPod && serving.ready === 0) phase = 'Degraded';
  else if (served && leftovers.length === 0) phase = 'Running';
  else phase = 'Deploying';

  const byPod = new Map(serving.replicas.map((replica) => [replica.pod, replica]));
  return {
    name,
    tier: 'pooled',
    phase,
    generation,
    ...(appliedGeneration ? { appliedGeneration } : {}),
    url: input.url,
    ...(deployment?.spec?.template.spec?.containers[0]?.image
      ? { image: deployment.spec.template.spec.containers[0].image }
      : {}),
    replicas: {
      desired: deployment?.status?.replicas ?? deployment?.spec?.replicas ?? 0,
      ready: serving.ready,
      updated: serving.current,
      available: serving.current,
    },
    conditions,
    pods: pods.map((pod) => {
      const replica = byPod.get(pod.name);
      return {
        ...pod,
        ...(replica?.generation !== undefined ? { servedGeneration: replica.generation } : {}),
        ...(replica?.failure ? { loadError: replica.failure.error } : {}),
      };
    }),
  };
}
