/**
 * What the control plane sees of the cluster: the agents' objects as one pass of list calls
 * returned them (one list per kind, by label), and the outcome of applying objects. The
 * types status and reconcile compute on; adapters (Kubernetes, local processes) produce them.
 *
 * Pure. Type-only imports from the Kubernetes client library (erased at build time).
 */
import type {
  KubernetesObject,
  V1Deployment,
  V1Ingress,
  V1Pod,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import {
  AGENT_LABEL,
  FLEET_LABEL,
  GENERATION_ANNOTATION,
  INCARNATION_ANNOTATION,
} from './agent-objects/labels.ts';
import type { HTTPRoute } from './agent-objects/types.ts';

/** What identifies one object for deletion and outcome reports. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** The agent it belongs to (its `fleetplane.io/agent` label). */
  agent: string;
  /** The fleet (store) it belongs to (its `fleetplane.io/fleet` label); unset on objects from before fleets. */
  fleet?: string;
  /** The generation annotation the object was last applied with, if any. */
  generation?: number;
  /** The incarnation annotation the object was last applied with, if any. */
  incarnation?: string;
  uid?: string;
  resourceVersion?: string;
}

/** Everything fleetplane manages, as seen in one pass: one list call per kind. */
export interface Observed {
  objects: ObjectRef[];
  /** Every object of `objects` as listed (all kinds), for comparing with what would be applied. */
  live: KubernetesObject[];
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
  /** The object as the cluster answered the apply (status included), when it says. */
  live?: KubernetesObject;
}

export function emptyObserved(): Observed {
  return { objects: [], live: [], deployments: [], pods: [], hpas: [], ingresses: [], httpRoutes: [] };
}

/** Observations of disjoint sets of objects (several selectors, several targets) as one. */
export function mergeObserved(parts: readonly Observed[]): Observed {
  if (parts.length === 1) return parts[0] as Observed;
  // concat, not push(...items): a large fleet's pods would overflow the argument stack.
  const all = <K extends keyof Observed>(key: K) =>
    ([] as Observed[K][number][]).concat(...parts.map((part) => part[key])) as Observed[K];
  return {
    objects: all('objects'),
    live: all('live'),
    deployments: all('deployments'),
    pods: all('pods'),
    hpas: all('hpas'),
    ingresses: all('ingresses'),
    httpRoutes: all('httpRoutes'),
  };
}

type Labelled = { metadata?: { labels?: Record<string, string> } };

/**
 * The part of an observation one fleet may act on: its own objects, and unlabelled ones from
 * before fleets existed. Another fleet's objects are never touched.
 */
export function ownedBy(observed: Observed, fleet: string): Observed {
  const mine = (owner: string | undefined) => owner === undefined || owner === fleet;
  const item = (object: Labelled) => mine(object.metadata?.labels?.[FLEET_LABEL]);
  return {
    objects: observed.objects.filter((ref) => mine(ref.fleet)),
    live: observed.live.filter(item),
    deployments: observed.deployments.filter(item),
    pods: observed.pods.filter(item),
    hpas: observed.hpas.filter(item),
    ingresses: observed.ingresses.filter(item),
    httpRoutes: observed.httpRoutes.filter(item),
  };
}

/** Observations of many agents, split by agent in one pass (linear in the number of objects). */
export function observedByAgent(observed: Observed): Map<string, Observed> {
  const byAgent = new Map<string, Observed>();
  const slot = (agent: string) => {
    const found = byAgent.get(agent) ?? emptyObserved();
    byAgent.set(agent, found);
    return found;
  };
  const agentOf = (item: Labelled) => item.metadata?.labels?.[AGENT_LABEL];
  for (const ref of observed.objects) if (ref.agent) slot(ref.agent).objects.push(ref);
  for (const key of ['live', 'deployments', 'pods', 'hpas', 'ingresses', 'httpRoutes'] as const)
    for (const item of observed[key]) {
      const agent = agentOf(item);
      if (agent) (slot(agent)[key] as (typeof item)[]).push(item);
    }
  return byAgent;
}

/** Names of agents that have objects in the cluster (stored or not). */
export function agentsIn(objects: ObjectRef[]): string[] {
  return [...new Set(objects.map((ref) => ref.agent).filter(Boolean))].sort();
}

/** The reference of an object as the cluster (or the local target) holds it. */
export function refOf(
  object: KubernetesObject,
  resourceVersion = object.metadata?.resourceVersion,
): ObjectRef {
  const metadata = object.metadata ?? {};
  const generation = Number(metadata.annotations?.[GENERATION_ANNOTATION]);
  const fleet = metadata.labels?.[FLEET_LABEL];
  const incarnation = metadata.annotations?.[INCARNATION_ANNOTATION];
  return {
    apiVersion: object.apiVersion ?? '',
    kind: object.kind ?? '',
    namespace: metadata.namespace ?? '',
    name: metadata.name ?? '',
    agent: metadata.labels?.[AGENT_LABEL] ?? '',
    ...(fleet ? { fleet } : {}),
    ...(Number.isFinite(generation) ? { generation } : {}),
    ...(incarnation ? { incarnation } : {}),
    ...(metadata.uid ? { uid: metadata.uid } : {}),
    ...(resourceVersion ? { resourceVersion } : {}),
  };
}

/**
 * The observation as it stands after an apply and a prune, without listing again: objects the
 * cluster answered are taken as answered (their status included), pruned ones are gone. Pods
 * are as observed before the apply; the next read shows the rollout.
 */
export function observedAfter(observed: Observed, applied: AppliedObject[], pruned: ObjectRef[]): Observed {
  const gone = (kind: string, name: string) => pruned.some((ref) => ref.kind === kind && ref.name === name);
  const answered = applied.flatMap((result) => (result.live ? [result.live] : []));
  const replace = <T extends KubernetesObject>(items: T[], kind: string): T[] => {
    const fresh = answered.filter((object) => object.kind === kind) as T[];
    const kept = items.filter(
      (item) =>
        !gone(kind, item.metadata?.name ?? '') &&
        !fresh.some((object) => object.metadata?.name === item.metadata?.name),
    );
    return [...kept, ...fresh];
  };
  const refs = observed.objects.filter(
    (ref) =>
      !gone(ref.kind, ref.name) &&
      !answered.some((object) => object.kind === ref.kind && object.metadata?.name === ref.name),
  );
  for (const object of answered) refs.push(refOf(object));
  const live = observed.live.filter(
    (item) =>
      !gone(item.kind ?? '', item.metadata?.name ?? '') &&
      !answered.some((object) => object.kind === item.kind && object.metadata?.name === item.metadata?.name),
  );
  return {
    objects: refs,
    live: [...live, ...answered],
    deployments: replace(observed.deployments, 'Deployment'),
    pods: observed.pods,
    hpas: replace(observed.hpas, 'HorizontalPodAutoscaler'),
    ingresses: replace(observed.ingresses, 'Ingress'),
    httpRoutes: replace(observed.httpRoutes, 'HTTPRoute'),
  };
}
