/**
 * reconcile(name): make the cluster match the stored config of one agent. Level-triggered
 * and idempotent: it reads desired state (store) and actual state (cluster) and converges;
 * running it twice changes nothing the second time, and writes nothing when nothing differs.
 * Deploys, deletes and the sweep all call it.
 *
 * - only objects of this store's fleet are touched; another fleet's object of the same name
 *   stops a deploy with a conflict instead of being taken over
 * - no stored config: delete the agent's objects, each only if unchanged since it was observed
 * - otherwise: apply what is missing or drifted (server-side apply), then delete what the
 *   config no longer renders (an HPA after autoscale is switched off, say)
 * - never applies an older generation over a newer one: after applying, the record is read
 *   again, and a newer generation (or a deletion) that landed meanwhile is applied in turn
 * - with in-cluster builds, applies nothing of an agent until the image it should run is in the
 *   registry (`building`): what runs meanwhile, if anything, is left alone (image-builds.ts)
 * - a pooled agent is one object, its ConfigMap; the pool is ensured before it is applied; an
 *   agent moving between tiers keeps its old tier's objects until the new one serves (tier-switch.ts)
 */
import type { Cluster } from '../cluster/cluster.ts';
import { renderAgent } from '../core/agent-objects/render.ts';
import type { AgentRecord } from '../core/agent-record.ts';
import { needsImage } from '../core/build-plan.ts';
import type { BuildStatus } from '../core/build-status.ts';
import { planApply } from '../core/drift.ts';
import { ConflictError } from '../core/errors.ts';
import { hashOf } from '../core/hash.ts';
import {
  type AppliedObject,
  type ObjectRef,
  type Observed,
  observedAfter,
  ownedBy,
  refOf,
} from '../core/observed.ts';
import type { PlatformSettings } from '../core/platform.ts';
import { moving, planSwitch, type SwitchPlan } from '../core/tier-switch.ts';
import { tierOf } from '../core/tiers.ts';
import type { ConfigStore } from '../store/config-store.ts';
import type { ImageBuilds, ImageSession, Resolution } from './image-builds.ts';
import type { PoolSession } from './pool.ts';

export interface ReconcileDeps {
  store: ConfigStore;
  cluster: Cluster;
  platform: PlatformSettings;
  /**
   * The image agents run when nothing is built here: FLEETPLANE_RUNTIME_IMAGE (pinned, e.g. on
   * air-gapped clusters), the release image without a bucket to build from, and local agents.
   */
  runtimeImage: string;
  /** In-cluster image builds; unset when the image is pinned or nothing can build here. */
  builds?: ImageBuilds;
}

export type ReconcileResult =
  | {
      name: string;
      action: 'applied';
      generation: number;
      objects: AppliedObject[];
      pruned: string[];
      /** Objects left alone because they changed after they were observed. */
      left: string[];
      /** The agent's objects as they stand after this apply (no second observation). */
      observed: Observed;
    }
  | { name: string; action: 'unchanged'; generation: number; observed: Observed }
  /** Nothing applied: the image this generation runs is not in the registry yet. */
  | { name: string; action: 'building'; generation: number; build?: BuildStatus; observed: Observed }
  | { name: string; action: 'deleted'; pruned: string[]; left: string[] }
  | { name: string; action: 'skipped'; reason: string };

export interface Known {
  /** The fleet (store identity) whose objects this control plane owns. */
  fleet: string;
  /** Desired state known to be current (just written); null: known to be absent. Else it is read. */
  record?: AgentRecord | null;
  /**
   * Desired state as a listing saw it, possibly stale: enough to tell that nothing is due
   * (then nothing is read or written). When something is due, the record is read afresh.
   */
  hint?: AgentRecord | null;
  /** The agent's objects as observed (by agent label, any fleet); else they are observed. */
  observed?: Observed;
  /**
   * The image builds of the operation this reconcile is part of (one registry lookup and one
   * dispatch for all its agents); without one, a sweep's rules apply.
   */
  images?: ImageSession;
  /**
   * The pool, as this operation sees it: ensured before a pooled agent's config is applied (a
   * deploy, a sweep), observed when an agent moving to the pool may leave its dedicated objects.
   * Without one, a pooled agent's config is applied all the same, and nothing moving is pruned.
   */
  pool?: PoolSession;
}

const describeRef = (ref: ObjectRef) => `${ref.kind}/${ref.name}`;
const MAX_ROUNDS = 3;

/** Refuses to act on an agent whose objects another store's fleet created. */
export function assertOwned(name: string, seen: Observed, fleet: string): void {
  const foreign = seen.objects.filter((ref) => ref.fleet !== undefined && ref.fleet !== fleet);
  if (foreign.length)
    throw new ConflictError(
      `agent "${name}" already has objects in the cluster that belong to another fleetplane store (${[...new Set(foreign.map(describeRef))].join(', ')}); delete them through that store, or deploy under another name`,
    );
}

function render(record: AgentRecord, deps: ReconcileDeps, fleet: string, image: string) {
  return renderAgent({
    spec: record.spec,
    image,
    platform: deps.platform,
    generation: record.generation,
    specHash: record.specHash || hashOf(record.spec),
    fleet,
    ...(record.incarnation ? { incarnation: record.incarnation } : {}),
  });
}

/**
 * What applying `record` (running `image`) over the observed objects sends and deletes now; an
 * agent moving between tiers holds back what must wait for the new tier (tier-switch.ts).
 */
async function planFor(
  record: AgentRecord | null,
  observed: Observed,
  deps: ReconcileDeps,
  fleet: string,
  image: string,
  pool: PoolSession | undefined,
): Promise<SwitchPlan> {
  const rendered = record ? render(record, deps, fleet, image) : [];
  const { changed, leftovers } = planApply(rendered, observed.live);
  if (!record) return { apply: changed, prune: leftovers };
  const tier = tierOf(record.spec);
  if (!moving(record.name, tier, leftovers)) return { apply: changed, prune: leftovers };
  return planSwitch({
    name: record.name,
    tier,
    generation: record.generation,
    target: record.spec.cloud.toLowerCase(),
    changed,
    leftovers,
    observed,
    ...(tier === 'pooled' && pool ? { pool: await pool.observe() } : {}),
  });
}

/** The image the agent's current generation runs, or "wait" while it is being built. */
function imageOf(
  name: string,
  record: AgentRecord,
  observed: Observed,
  deps: ReconcileDeps,
  session: () => ImageSession | undefined,
): Promise<Resolution> | Resolution {
  // A pooled agent is its ConfigMap: no image of its own (the pool's is the pool's business).
  const images = needsImage(record.spec) && tierOf(record.spec) === 'dedicated' ? session() : undefined;
  if (!images) return { kind: 'ready', image: deps.runtimeImage };
  const deployment = observed.deployments.find((item) => item.metadata?.name === name);
  return images.resolve(deployment?.spec?.template.spec?.containers[0]?.image);
}

const sameVersion = (a: AgentRecord, b: AgentRecord | null) =>
  b !== null && a.incarnation === b.incarnation && a.generation === b.generation;

export async function reconcile(name: string, deps: ReconcileDeps, known: Known): Promise<ReconcileResult> {
  const { fleet } = known;
  const seen = known.observed ?? (await deps.cluster.observe({ agent: name }));
  let observed = ownedBy(seen, fleet);
  let own: ImageSession | undefined;
  const session = () => {
    own ??= known.images ?? deps.builds?.session('sweep', fleet);
    return own;
  };
  const building = (record: AgentRecord, resolution: Resolution): ReconcileResult => ({
    name,
    action: 'building',
    generation: record.generation,
    ...(resolution.kind === 'waiting' && resolution.build ? { build: resolution.build } : {}),
    observed,
  });

  if (known.hint !== undefined && known.record === undefined) {
    const resolution = known.hint ? await imageOf(name, known.hint, observed, deps, session) : undefined;
    if (known.hint && resolution?.kind === 'waiting') return building(known.hint, resolution);
    const image = resolution?.kind === 'ready' ? resolution.image : deps.runtimeImage;
    const plan = await planFor(known.hint, observed, deps, fleet, image, known.pool);
    if (plan.apply.length === 0 && plan.prune.length === 0)
      return known.hint
        ? { name, action: 'unchanged', generation: known.hint.generation, observed }
        : { name, action: 'deleted', pruned: [], left: [] };
  }
  let record = known.record !== undefined ? known.record : ((await deps.store.read(name))?.value ?? null);

  let result: ReconcileResult | undefined;
  const pruned: string[] = [];
  // An object whose delete precondition failed (its status moved, or someone changed it) is
  // looked at again: the record is re-read and the agent observed afresh before another try.
  const lookAgain = async () => {
    record = (await deps.store.read(name))?.value ?? null;
    observed = ownedBy(await deps.cluster.observe({ agent: name }), fleet);
  };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (!record) {
      const refs = observed.objects;
      const left = await deps.cluster.delete(refs);
      pruned.push(...refs.filter((ref) => !left.includes(ref)).map(describeRef));
      result = { name, action: 'deleted', pruned: [...pruned], left: left.map(describeRef) };
      if (left.length === 0) return result;
      await lookAgain();
      continue;
    }
    assertOwned(name, seen, fleet);
    const current = record;
    const newest = Math.max(
      0,
      ...observed.objects
        .filter((ref) => ref.incarnation !== undefined && ref.incarnation === current.incarnation)
        .map((ref) => ref.generation ?? 0),
    );
    if (newest > current.generation)
      return {
        name,
        action: 'skipped',
        reason: `the cluster already runs generation ${newest}, newer than ${current.generation}`,
      };
    const resolution = await imageOf(name, current, observed, deps, session);
    if (resolution.kind === 'waiting') return building(current, resolution);
    const plan = await planFor(current, observed, deps, fleet, resolution.image, known.pool);
    if (plan.apply.length === 0 && plan.prune.length === 0)
      return result ?? { name, action: 'unchanged', generation: current.generation, observed };
    // The pool must exist for a pooled agent's config to be served (local agents have their own).
    if (plan.apply.length && tierOf(current.spec) === 'pooled' && needsImage(current.spec))
      await known.pool?.ensure();
    const applied = plan.apply.length
      ? await deps.cluster.apply(plan.apply as Parameters<Cluster['apply']>[0], observed.objects)
      : [];
    const leftoverRefs = plan.prune.map((object) => refOf(object));
    const left = await deps.cluster.delete(leftoverRefs);
    const gone = leftoverRefs.filter((ref) => !left.includes(ref));
    pruned.push(...gone.map(describeRef));
    observed = observedAfter(observed, applied, gone);
    result = {
      name,
      action: 'applied',
      generation: current.generation,
      objects: applied,
      pruned: [...pruned],
      left: left.map(describeRef),
      observed,
    };
    if (left.length) {
      await lookAgain();
      continue;
    }
    // Still the newest? A deploy or a delete that landed while we applied is applied in turn.
    const fresh = (await deps.store.read(name))?.value ?? null;
    if (sameVersion(current, fresh)) return result;
    record = fresh;
  }
  return result as ReconcileResult;
}
