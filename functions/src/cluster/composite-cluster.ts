/**
 * The local server with a cluster configured: agents whose config says `"cloud": "local"` run
 * as local processes, every other agent in the cluster. One Cluster interface over both, so
 * the control plane does not know the difference. Each object names its target in a label.
 */

import { TARGET_LABEL } from '../core/agent-objects/labels.ts';
import type { AgentObject } from '../core/agent-objects/types.ts';
import { type AppliedObject, mergeObserved, type ObjectRef, type Observed } from '../core/observed.ts';
import type { PoolObserved } from '../core/pool-observed.ts';
import type { BuildCluster, Cluster, ObserveScope, PodLog } from './cluster.ts';

const isLocal = (objects: AgentObject[]) => objects[0]?.metadata?.labels?.[TARGET_LABEL] === 'local';

export class CompositeCluster implements Cluster {
  readonly description: string;
  private readonly remote: Cluster;
  private readonly local: Cluster;

  constructor(remote: Cluster, local: Cluster) {
    this.remote = remote;
    this.local = local;
    this.description = `${remote.description} + ${local.description}`;
  }

  buildsIn(namespace: string): BuildCluster | undefined {
    return this.remote.buildsIn?.(namespace);
  }

  async ping(): Promise<void> {
    await Promise.all([this.remote.ping(), this.local.ping()]);
  }

  async observe(scope: ObserveScope): Promise<Observed> {
    return mergeObserved(await Promise.all([this.remote.observe(scope), this.local.observe(scope)]));
  }

  /** Both pools: each pod carries its target's label, so status counts only the agent's own. */
  async observePool(options: { objects?: boolean } = {}): Promise<PoolObserved> {
    const [remote, local] = await Promise.all([
      this.remote.observePool(options),
      this.local.observePool(options),
    ]);
    const asLocal = <T extends { metadata?: { labels?: Record<string, string> } }>(item: T): T => ({
      ...item,
      metadata: { ...item.metadata, labels: { ...item.metadata?.labels, [TARGET_LABEL]: 'local' } },
    });
    return {
      live: [...remote.live, ...local.live],
      deployments: [...remote.deployments, ...local.deployments.map(asLocal)],
      pods: [...remote.pods, ...local.pods.map(asLocal)],
      reports: new Map([...remote.reports, ...local.reports]),
    };
  }

  async apply(objects: AgentObject[], observed: ObjectRef[]): Promise<AppliedObject[]> {
    return isLocal(objects) ? this.local.apply(objects, observed) : this.remote.apply(objects, observed);
  }

  async delete(refs: ObjectRef[]): Promise<ObjectRef[]> {
    // Each side ignores objects it does not have; an agent that moved targets is cleaned on both.
    const agents = [...new Set(refs.map((ref) => ref.agent))];
    const localRefs = (await Promise.all(agents.map((agent) => this.local.observe({ agent })))).flatMap(
      (observed) => observed.objects,
    );
    const isLocalRef = (ref: ObjectRef) =>
      localRefs.some((known) => known.kind === ref.kind && known.name === ref.name);
    const [local, remote] = await Promise.all([
      this.local.delete(refs.filter(isLocalRef)),
      this.remote.delete(refs.filter((ref) => !isLocalRef(ref))),
    ]);
    return [...local, ...remote];
  }

  async podLogs(agent: string, options: { tailLines: number; pooled?: boolean }): Promise<PodLog[]> {
    const local = await this.local.podLogs(agent, options);
    return local.length ? local : this.remote.podLogs(agent, options);
  }
}
