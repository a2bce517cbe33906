/**
 * The control plane's side of the pool: it creates and repairs the pool's workload (Deployment,
 * Service, catch-all route, HPA, PDB, NetworkPolicy) the first time a pooled agent needs it, and
 * reads what the pool's pods serve. Its identity (ServiceAccount, Role, RoleBinding) is created
 * once by an administrator (manifests/13-pool-rbac.yaml): the control plane never creates RBAC.
 *
 * A session is one operation (a deploy, a batch, a sweep, a status read): it observes the pool
 * at most once and applies its objects at most once, so N pooled agents cost the pool nothing
 * more than one; and deploys in one process share what they found for a minute (PoolKeeper). Applying is server-side apply of what differs from the live objects (drift.ts):
 * with the pool in place, ensuring it writes nothing.
 *
 * WARNING: it never deletes a pool object. The pool is the namespace's, shared by every store
 * that deploys pooled agents there; when the last pooled agent goes it stays (at its minimum
 * replicas), and only an administrator removes it (README: "The pooled tier").
 */

import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { POOL_NAME } from '#agent-runtime/pool-contract';
import type { Cluster } from '../cluster/cluster.ts';
import type { AgentObject } from '../core/agent-objects/types.ts';
import { planApply } from '../core/drift.ts';
import type { PlatformSettings } from '../core/platform.ts';
import { renderPool } from '../core/pool-objects/render.ts';
import type { PoolObserved } from '../core/pool-observed.ts';
import type { ImageSession } from './image-builds.ts';

export interface PoolDeps {
  cluster: Cluster;
  platform: PlatformSettings;
  /** The image the pool runs when nothing is built here. */
  runtimeImage: string;
}

export type Ensured =
  | { kind: 'ready'; applied: string[] }
  /** The runtime image is still being built: the pool's objects wait for it. */
  | { kind: 'waiting' };

/** How long a process trusts that it found the pool in place, before deploys look again. */
export const POOL_TRUST_MS = 60_000;

/**
 * What one process knows of the pool across operations: that some operation ensured it lately.
 * Deploys within POOL_TRUST_MS of it neither look at the pool's objects again nor race each other
 * to create them; the sweep does not use it (it always looks, and repairs what drifted).
 */
export class PoolKeeper {
  private last: { at: number; ensured: Promise<Ensured> } | undefined;
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  recent(): Promise<Ensured> | undefined {
    return this.last && this.now() - this.last.at < POOL_TRUST_MS ? this.last.ensured : undefined;
  }

  remember(ensured: Promise<Ensured>): void {
    this.last = { at: this.now(), ensured };
    // Only a pool found ready is trusted; a failure or a wait is looked at again next time.
    ensured.then(
      (result) => {
        if (result.kind !== 'ready' && this.last?.ensured === ensured) this.last = undefined;
      },
      () => {
        if (this.last?.ensured === ensured) this.last = undefined;
      },
    );
  }
}

export class PoolSession {
  private readonly deps: PoolDeps;
  private readonly images: (() => ImageSession | undefined) | undefined;
  private readonly keeper: PoolKeeper | undefined;
  private observed: Promise<PoolObserved> | undefined;
  private ensured: Promise<Ensured> | undefined;

  constructor(deps: PoolDeps, images?: () => ImageSession | undefined, keeper?: PoolKeeper) {
    this.deps = deps;
    this.images = images;
    this.keeper = keeper;
  }

  /** The pool's Deployment, pods and reports, read once for the session. */
  observe(): Promise<PoolObserved> {
    this.observed ??= this.deps.cluster.observePool();
    return this.observed;
  }

  /** Applies what the pool's objects lack, once for the session; answers what it applied. */
  ensure(): Promise<Ensured> {
    if (!this.ensured) {
      const recent = this.keeper?.recent();
      this.ensured = recent ?? this.apply();
      if (!recent) this.keeper?.remember(this.ensured);
    }
    // A failed attempt is tried again by the next agent of the session (or the next session).
    this.ensured.catch(() => {
      this.ensured = undefined;
    });
    return this.ensured;
  }

  private async apply(): Promise<Ensured> {
    const observed = await this.deps.cluster.observePool({ objects: true });
    this.observed = Promise.resolve(observed);
    const running = observed.live.find(
      (object) => object.kind === 'Deployment' && object.metadata?.name === POOL_NAME,
    ) as { spec?: { template?: { spec?: { containers?: { image?: string }[] } } } } | undefined;
    const images = this.images?.();
    const resolution = images
      ? await images.resolve(running?.spec?.template?.spec?.containers?.[0]?.image)
      : ({ kind: 'ready', image: this.deps.runtimeImage } as const);
    if (resolution.kind === 'waiting') return { kind: 'waiting' };
    const rendered = renderPool({ platform: this.deps.platform, image: resolution.image });
    const { changed } = planApply(rendered, observed.live);
    if (changed.length === 0) return { kind: 'ready', applied: [] };
    const refs = observed.live.map((object) => ({
      apiVersion: object.apiVersion ?? '',
      kind: object.kind ?? '',
      namespace: object.metadata?.namespace ?? '',
      name: object.metadata?.name ?? '',
      agent: '',
      ...(object.metadata?.resourceVersion ? { resourceVersion: object.metadata.resourceVersion } : {}),
    }));
    const applied = await this.deps.cluster.apply(changed as AgentObject[], refs);
    // The session sees the pool as the apply answered it (its reports are unchanged).
    const answered = applied.flatMap((result) => (result.live ? [result.live] : []));
    const fresh = (object: KubernetesObject) =>
      !answered.some((a) => a.kind === object.kind && a.metadata?.name === object.metadata?.name);
    this.observed = Promise.resolve({
      ...observed,
      live: [...observed.live.filter(fresh), ...answered],
      deployments: [
        ...observed.deployments.filter(fresh),
        ...(answered.filter((object) => object.kind === 'Deployment') as V1Deployment[]),
      ],
    });
    return { kind: 'ready', applied: applied.map((result) => `${result.kind}/${result.name}`) };
  }
}
