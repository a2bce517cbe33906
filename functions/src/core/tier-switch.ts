/**
 * Moving an agent between tiers without failing a request: the new tier serves before the old
 * tier's objects go. Given what an apply would send and delete (drift.ts), this holds back
 * what must wait:
 *
 *   to pooled     apply the pooled ConfigMap at once; delete the dedicated objects only once
 *                 every ready pool pod serves this generation of that very ConfigMap (until then
 *                 the agent's own, more specific route keeps sending its requests to its pods)
 *   to dedicated  apply the Deployment, Service, ... at once, but its route only once the
 *                 Deployment has rolled out this generation (until then the pool's catch-all
 *                 route keeps serving it); delete the pooled ConfigMap only once the route is
 *                 in place as well
 *
 * Whatever is held is applied or deleted by a later reconcile: the sweep, or a status read.
 * An agent that is not moving has nothing held.
 *
 * Pure.
 */
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { GENERATION_ANNOTATION, objectNames } from './agent-objects/labels.ts';
import type { Observed } from './observed.ts';
import { type PoolObserved, poolFor, servedEverywhere, servingOf } from './pool-observed.ts';
import { pooledVersionOf } from './pool-status.ts';
import { rolledOut } from './status-parts.ts';
import type { Tier } from './tiers.ts';

export interface SwitchInput {
  name: string;
  tier: Tier;
  generation: number;
  /** Where the agent runs (its objects' target label), to count only that target's pool pods. */
  target?: string;
  /** What the apply would send, and the live objects it would delete (planApply). */
  changed: KubernetesObject[];
  leftovers: KubernetesObject[];
  observed: Observed;
  /** The pool as observed; needed only when the agent moves to the pool. */
  pool?: PoolObserved;
}

export interface SwitchPlan {
  apply: KubernetesObject[];
  prune: KubernetesObject[];
  /** What is held back and why; undefined when nothing is. */
  waiting?: string;
}

const isRoute = (object: KubernetesObject) => object.kind === 'Ingress' || object.kind === 'HTTPRoute';
const isPooledConfig = (name: string) => (object: KubernetesObject) =>
  object.kind === 'ConfigMap' && object.metadata?.name === objectNames.pooledConfig(name);

/** Whether the agent is between tiers: the other tier's objects are still there. */
export function moving(name: string, tier: Tier, leftovers: readonly KubernetesObject[]): boolean {
  return tier === 'pooled'
    ? leftovers.some((object) => !isPooledConfig(name)(object))
    : leftovers.some(isPooledConfig(name));
}

/** The agent's Deployment serves `generation`: applied for it and rolled out. */
function deploymentServes(observed: Observed, name: string, generation: number): boolean {
  const deployment: V1Deployment | undefined = observed.deployments.find((d) => d.metadata?.name === name);
  if (Number(deployment?.metadata?.annotations?.[GENERATION_ANNOTATION]) !== generation) return false;
  return rolledOut(deployment, deployment?.spec?.replicas ?? 1);
}

export function planSwitch(input: SwitchInput): SwitchPlan {
  const { name, tier, generation, changed, leftovers, observed } = input;
  if (!moving(name, tier, leftovers)) return { apply: changed, prune: leftovers };
  if (tier === 'pooled') {
    const version = pooledVersionOf(observed, name);
    const served =
      !changed.some(isPooledConfig(name)) &&
      version !== undefined &&
      input.pool !== undefined &&
      servedEverywhere(servingOf(poolFor(input.pool, input.target), name, { generation, version }));
    if (served) return { apply: changed, prune: leftovers };
    return {
      apply: changed,
      prune: [],
      waiting: `the dedicated objects serve until every ready pool pod serves generation ${generation}`,
    };
  }
  const ready = deploymentServes(observed, name, generation) && !changed.some((o) => o.kind === 'Deployment');
  const apply = ready ? changed : changed.filter((object) => !isRoute(object));
  // The pooled config goes only once the route was in place before this round (not just sent).
  const leaveNow = ready && !changed.some(isRoute);
  const prune = leftovers.filter((object) => !isPooledConfig(name)(object) || leaveNow);
  if (leaveNow) return { apply, prune };
  return {
    apply,
    prune,
    waiting: ready
      ? 'the pool serves until the route to the dedicated pods is in place'
      : `the pool serves until the dedicated pods run generation ${generation}; their route waits until then`,
  };
}
