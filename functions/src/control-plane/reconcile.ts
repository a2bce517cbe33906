/**
 * reconcile(name): make the cluster match the stored config of one agent. Level-triggered
 * and idempotent: it reads desired state (store) and actual state (cluster) and converges;
 * running it twice changes nothing the second time. Deploys and the sweep both call it.
 *
 * - no stored config: delete every object of the agent (orphans)
 * - otherwise: server-side apply every rendered object, then delete the agent's objects that
 *   the config no longer renders (an HPA after autoscale is switched off, say)
 * - never applies an older generation over a newer one (a slow sweep racing a deploy)
 */
import type { Cluster } from '../cluster/cluster.ts';
import { renderAgent } from '../core/agent-objects/render.ts';
import type { AgentRecord } from '../core/agent-record.ts';
import { hashOf } from '../core/hash.ts';
import { type AppliedObject, type ObjectRef, type Observed, observedAfter } from '../core/observed.ts';
import type { PlatformSettings } from '../core/platform.ts';
import type { ConfigStore } from '../store/config-store.ts';

export interface ReconcileDeps {
  store: ConfigStore;
  cluster: Cluster;
  platform: PlatformSettings;
  /** The image every agent runs (the runtime image, until in-cluster builds land). */
  runtimeImage: string;
}

export type ReconcileResult =
  | {
      name: string;
      action: 'applied';
      generation: number;
      objects: AppliedObject[];
      pruned: string[];
      /** The agent's objects as they stand after this apply (no second observation). */
      observed: Observed;
    }
  | { name: string; action: 'deleted'; pruned: string[] }
  | { name: string; action: 'skipped'; reason: string };

const describeRef = (ref: ObjectRef) => `${ref.kind}/${ref.name}`;

/**
 * `known` passes what the caller already has: the record (null: known to be absent) and the
 * agent's observed objects. What is not passed is read.
 */
export async function reconcile(
  name: string,
  deps: ReconcileDeps,
  known: { record?: AgentRecord | null; observed?: Observed } = {},
): Promise<ReconcileResult> {
  const record =
    known.record === undefined ? (await deps.store.read(name))?.value : (known.record ?? undefined);
  const observed = known.observed ?? (await deps.cluster.observe(name));
  const existing = observed.objects.filter((ref) => ref.agent === name);

  if (!record) {
    await deps.cluster.delete(existing);
    return { name, action: 'deleted', pruned: existing.map(describeRef) };
  }

  const newest = Math.max(0, ...existing.map((ref) => ref.generation ?? 0));
  if (newest > record.generation)
    return {
      name,
      action: 'skipped',
      reason: `the cluster already runs generation ${newest}, newer than ${record.generation}`,
    };

  const objects = renderAgent({
    spec: record.spec,
    image: deps.runtimeImage,
    platform: deps.platform,
    generation: record.generation,
    specHash: record.specHash || hashOf(record.spec),
  });
  const applied = await deps.cluster.apply(objects, existing);
  const wanted = new Set(objects.map((object) => `${object.kind}/${object.metadata?.name}`));
  const leftovers = existing.filter((ref) => !wanted.has(describeRef(ref)));
  await deps.cluster.delete(leftovers);
  return {
    name,
    action: 'applied',
    generation: record.generation,
    objects: applied,
    pruned: leftovers.map(describeRef),
    observed: observedAfter(observed, applied, leftovers),
  };
}
