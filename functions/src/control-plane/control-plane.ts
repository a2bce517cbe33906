/**
 * The control plane's operations, in domain terms: deploy, list, get, remove, revisions,
 * rollback, logs (of agents and of image builds), sweep, gc. Desired state goes to the store
 * first (conditional writes), then `reconcile` applies it; when the cluster fails after the
 * store succeeded, the result says so and the sweep finishes the work. With in-cluster builds,
 * status reads finish what a deploy left waiting for its image. Requests arrive validated;
 * answers are outcomes and typed errors, which api/ alone turns into HTTP.
 */

import { randomUUID } from 'node:crypto';
import type { Cluster, PodLog } from '../cluster/cluster.ts';
import {
  type AgentRecord,
  isTombstone,
  type ReleasedSecrets,
  type RevisionSummary,
  releasedSecretsOf,
  type Versioned,
} from '../core/agent-record.ts';
import type { AgentSpec } from '../core/agent-spec.ts';
import { needsImage } from '../core/build-plan.ts';
import type { BuildStatus } from '../core/build-status.ts';
import {
  ConflictError,
  FleetplaneError,
  ForbiddenError,
  NotFoundError,
  UnavailableError,
} from '../core/errors.ts';
import { hashOf } from '../core/hash.ts';
import { emptyObserved, type Observed, observedByAgent, ownedBy } from '../core/observed.ts';
import { agentUrl, type PlatformSettings } from '../core/platform.ts';
import type { PoolObserved } from '../core/pool-observed.ts';
import { dedicatedLeftovers, pooledConfigMapOf } from '../core/pool-status.ts';
import { ownershipRefusal, recreation } from '../core/secret-ownership.ts';
import { type AgentStatus, type Condition, deriveStatus, type Target, targetOf } from '../core/status.ts';
import { tierOf } from '../core/tiers.ts';
import { scopeLabel, type TokenScope } from '../core/token-scope.ts';
import { mapLimit } from '../lib/map-limit.ts';
import type { ConfigStore } from '../store/config-store.ts';
import { collectGarbage, DEFAULT_GC_MIN_AGE_SECONDS, type GcReport } from './gc.ts';
import type { ImageSession } from './image-builds.ts';
import { PoolKeeper, PoolSession } from './pool.ts';
import { assertOwned, type ReconcileDeps, type ReconcileResult, reconcile } from './reconcile.ts';
import { type SweepOptions, type SweepReport, sweep } from './sweep.ts';

export interface ControlPlaneDeps extends ReconcileDeps {
  store: ConfigStore;
  cluster: Cluster;
  platform: PlatformSettings;
  sweep?: SweepOptions;
  /** Images this store built are garbage only once older than this (FLEETPLANE_GC_MIN_AGE_SECONDS). */
  gcMinAgeSeconds?: number;
  now?: () => Date;
}

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

/** What became of one agent of a deploy. */
export type DeployResult =
  /** Stored and applied; `status` is derived from what the apply answered. */
  | { name: string; kind: 'applied'; outcome: WriteOutcome; generation: number; status: AgentStatus }
  /** Stored, but applying it failed: the sweep retries, and deploying again is safe. */
  | { name: string; kind: 'stored'; outcome: WriteOutcome; generation: number; error: unknown }
  /** Nothing was stored. */
  | { name: string; kind: 'failed'; error: unknown };

/**
 * What a removal did: everything is gone, or the config is gone and the cluster lags.
 * `deleted` speaks the target's terms: Kubernetes objects, or the local server's processes.
 */
export type RemoveResult = { name: string; releasedSecrets: ReleasedSecrets } & (
  | { pending: false; target?: Target; deleted: string[] }
  | { pending: true; error: unknown }
);

/** How a deploy came about: who asked (the token's scope), and the rest only internal callers set. */
export interface DeployOptions {
  by: TokenScope;
  cause?: AgentRecord['cause'];
  session?: ImageSession;
  /** The agent's objects, when the caller looked already (a batch looks once for all). */
  looked?: Observed | undefined;
  /** The pool as the batch sees it (ensured and observed once for all). */
  poolSession?: PoolSession;
}

const newIncarnation = () => randomUUID().replaceAll('-', '').slice(0, 12);

/** Agents of a batch deployed at once; each applies its objects (5 to 7) in parallel too. */
const DEPLOY_CONCURRENCY = 8;
/**
 * Pooled agents of a batch deployed at once: each is one object, so four times as many keep
 * about as many requests in flight as dedicated agents do. Measured on the test environment (2
 * cores, the deploy fan-out bench), 100 new pooled agents in two batches take about 0.4 s; what
 * bounds them is each agent's chain of round trips (conditional create in the store, apply,
 * read again after the apply) and how fast MinIO and the API server answer many at once.
 */
const POOLED_DEPLOY_CONCURRENCY = 32;

export class ControlPlane {
  private readonly deps: ControlPlaneDeps;
  private readonly poolKeeper = new PoolKeeper();

  constructor(deps: ControlPlaneDeps) {
    this.deps = deps;
  }

  private now() {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  private statusOf(
    name: string,
    record: AgentRecord | undefined,
    observed: Observed,
    build?: BuildStatus,
    pool?: PoolObserved,
  ): AgentStatus {
    const built =
      record && needsImage(record.spec) && tierOf(record.spec) === 'dedicated' ? build : undefined;
    return deriveStatus({
      name,
      record,
      observed,
      url: agentUrl(this.deps.platform, name),
      ...(built ? { build: built } : {}),
      ...(pool ? { pool } : {}),
    });
  }

  /** A session on the pool for one operation (see pool.ts); deploys share what they found. */
  private poolSession(images?: ImageSession): PoolSession {
    return new PoolSession(this.deps, () => images, this.poolKeeper);
  }

  /** The pool as a read needs it: observed once, and only when a pooled agent (or one leaving the pool) is shown. */
  private async poolFor(
    pool: PoolSession,
    shown: { record?: AgentRecord | undefined; observed: Observed; name: string }[],
  ): Promise<PoolObserved | undefined> {
    const needed = shown.some(
      ({ record, observed, name }) =>
        (record && tierOf(record.spec) === 'pooled') || pooledConfigMapOf(observed, name) !== undefined,
    );
    return needed ? pool.observe() : undefined;
  }

  /**
   * A status read finishes what a deploy started (level-triggered, no scheduler needed): an
   * agent whose image build completed gets its objects applied now. Only when nothing runs
   * the current generation on the image yet and no build is running or failed: otherwise a
   * read costs no request beyond its observation. A failure here does not fail the read; the
   * status says what went wrong.
   */
  private async finish(
    records: AgentRecord[],
    observedOf: (name: string) => Observed,
    images: ImageSession | undefined,
    fleet: string,
    pool: PoolSession,
  ): Promise<Map<string, { observed?: Observed; error?: unknown }>> {
    const due: AgentRecord[] = [];
    for (const record of records)
      if (
        betweenTiers(record, observedOf(record.name)) ||
        (images &&
          needsImage(record.spec) &&
          tierOf(record.spec) === 'dedicated' &&
          (await images.finishDue(record.name, record, observedOf(record.name))))
      )
        due.push(record);
    const outcomes = new Map<string, { observed?: Observed; error?: unknown }>();
    await mapLimit(due, DEPLOY_CONCURRENCY, async (record) => {
      try {
        const result = await reconcile(record.name, this.deps, {
          fleet,
          hint: record,
          observed: observedOf(record.name),
          pool,
          ...(images ? { images } : {}),
        });
        outcomes.set(record.name, 'observed' in result ? { observed: result.observed } : {});
      } catch (error) {
        if (!(error instanceof FleetplaneError)) throw error;
        outcomes.set(record.name, { error });
      }
    });
    return outcomes;
  }

  /**
   * Writes a spec as the agent's next generation, keeping the previous one as a revision. A
   * name that is new, or deleted (a tombstone), starts a new incarnation at generation 1,
   * owned by the scope that writes it (after a delete, by the deleted agent's owner unless that
   * scope or an admin writes). Changing where an existing agent's Secrets go is for its owner or
   * an admin only: anyone else gets ForbiddenError, and nothing is written. `likelyNew` (the
   * cluster shows nothing of the name) tries the create first and reads only when it fails.
   */
  private async writeDesired(
    spec: AgentSpec,
    by: TokenScope,
    cause: AgentRecord['cause'] = { kind: 'deploy' },
    likelyNew = false,
  ): Promise<{ record: AgentRecord; outcome: WriteOutcome }> {
    const { store } = this.deps;
    const specHash = hashOf(spec);
    const writer = scopeLabel(by);
    const firstGeneration = (createdBy: string | undefined): AgentRecord => {
      const now = this.now();
      return {
        apiVersion: 'fleetplane.io/v1',
        kind: 'Agent',
        name: spec.name,
        incarnation: newIncarnation(),
        generation: 1,
        specHash,
        spec,
        createdAt: now,
        updatedAt: now,
        cause,
        ...(createdBy ? { createdBy } : {}),
        updatedBy: writer,
      };
    };
    // A name the cluster shows nothing of is most likely new: create it at once (If-None-Match),
    // and read only when the store has it after all (a record, a tombstone, an apply that failed).
    if (likelyNew)
      try {
        const record = firstGeneration(writer);
        await store.create(record);
        return { record, outcome: 'created' };
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    const current = await store.readEntry(spec.name);
    if (!current || isTombstone(current.value)) {
      const owner = current
        ? recreation({ name: spec.name, deletedOwner: current.value.createdBy, writer: by, spec })
        : { createdBy: writer };
      if ('refused' in owner) throw new ForbiddenError(owner.refused);
      const record = firstGeneration(owner.createdBy);
      if (current) await store.replace(record, current.etag);
      else await store.create(record);
      return { record, outcome: 'created' };
    }
    const now = this.now();
    const previous = current.value;
    if (previous.specHash === specHash && cause.kind === 'deploy')
      return { record: previous, outcome: 'unchanged' };
    const refused = ownershipRefusal({
      name: spec.name,
      createdBy: previous.createdBy,
      writer: by,
      before: previous.spec,
      after: spec,
    });
    if (refused) throw new ForbiddenError(refused);
    await store.putRevision(previous);
    const record: AgentRecord = {
      ...previous,
      generation: previous.generation + 1,
      specHash,
      spec,
      updatedAt: now,
      cause,
      updatedBy: writer,
    };
    await store.replace(record, current.etag);
    return { record, outcome: 'updated' };
  }

  /**
   * Deploys one agent: store, then apply, observing the cluster once. A store failure throws
   * (nothing changed); a cluster failure after the store succeeded is a `stored` result.
   */
  async deployOne(spec: AgentSpec, options: DeployOptions): Promise<DeployResult> {
    const { by, cause, session, looked, poolSession } = options;
    const fleet = await this.deps.store.ensureFleet();
    // An explicit deploy may dispatch the image's build, and retry a failed one.
    const images = session ?? this.deps.builds?.session('deploy', fleet);
    const pool = poolSession ?? this.poolSession(images);
    // Look first, so that a name another store's fleet owns is refused before anything is written.
    // An unreachable cluster does not stop the write: the sweep applies it once the cluster is back.
    let seen = looked;
    if (!seen)
      try {
        seen = await this.deps.cluster.observe({ agent: spec.name });
      } catch (error) {
        if (!(error instanceof UnavailableError)) throw error;
      }
    if (seen) assertOwned(spec.name, seen, fleet);
    // Only a deploy: a rollback's name has a record by definition.
    const likelyNew =
      seen !== undefined && seen.objects.length === 0 && (cause?.kind ?? 'deploy') === 'deploy';
    const { record, outcome } = await this.writeDesired(spec, by, cause, likelyNew);
    const base = { name: spec.name, outcome, generation: record.generation };
    let result: ReconcileResult;
    try {
      result = await reconcile(spec.name, this.deps, {
        fleet,
        record,
        pool,
        ...(seen ? { observed: seen } : {}),
        ...(images ? { images } : {}),
      });
    } catch (error) {
      return { ...base, kind: 'stored', error };
    }
    // A skipped or deleted agent (the cluster runs newer, a delete raced) answers with a fresh look.
    const observed =
      result.action === 'applied' || result.action === 'unchanged' || result.action === 'building'
        ? result.observed
        : ownedBy(await this.deps.cluster.observe({ agent: spec.name }), fleet);
    const build = result.action === 'building' ? result.build : undefined;
    const poolSeen = await this.poolFor(pool, [{ record, observed, name: spec.name }]).catch(() => undefined);
    return { ...base, kind: 'applied', status: this.statusOf(spec.name, record, observed, build, poolSeen) };
  }

  /** Deploys several agents; each gets its own result, and one failure does not stop the rest. */
  async deployMany(specs: AgentSpec[], by: TokenScope): Promise<DeployResult[]> {
    // The fleet, the batch's look at the cluster and (for pooled agents) at the pool, all at once.
    // A failure here is each agent's to report: it tries again alone.
    const ensured = this.deps.store.ensureFleet().catch(() => undefined);
    // One look at the cluster for the whole batch (one list call per kind, by a set selector on
    // the agents' names), not one per agent. When it fails, each agent looks (and fails) alone.
    const looked = this.deps.cluster
      .observe({ agents: specs.map((spec) => spec.name) })
      .then(observedByAgent)
      .catch(() => undefined);
    // One registry lookup and at most one build for the whole batch.
    const fleet = this.deps.builds ? await ensured : undefined;
    const images = fleet ? this.deps.builds?.session('deploy', fleet) : undefined;
    const pool = this.poolSession(images);
    // A pooled agent's config is applied only once the pool is in place, and its answer shows the
    // pool: both are done while the batch writes to the store, not in each agent's path. A failure
    // here is met again, and reported, by the agents that need the pool.
    if (specs.some((spec) => tierOf(spec) === 'pooled' && needsImage(spec)))
      pool
        .ensure()
        .then(() => pool.observe())
        .catch(() => undefined);
    const [seen] = await Promise.all([looked, ensured]);
    const pooledOnly = specs.every((spec) => tierOf(spec) === 'pooled');
    return mapLimit(specs, pooledOnly ? POOLED_DEPLOY_CONCURRENCY : DEPLOY_CONCURRENCY, async (spec) => {
      try {
        return await this.deployOne(spec, {
          by,
          ...(images ? { session: images } : {}),
          looked: seen && (seen.get(spec.name) ?? emptyObserved()),
          poolSession: pool,
        });
      } catch (error) {
        return { name: spec.name, kind: 'failed', error };
      }
    });
  }

  /**
   * Agents a page at a time, in the store's key order (see ConfigStore.listPage): one listing of
   * the page's names in the store (a warm process reads only the records that changed), then one
   * list call per kind selecting only those names. A page's cost follows its size, never the
   * fleet's. `after` is the last name of the previous page. A deleted agent (a tombstone) shows
   * while objects of it remain; objects whose name the store does not know at all are not listed
   * (the sweep reports or deletes them; GET /deployments/{name} shows them).
   */
  async list(page: {
    limit: number;
    after?: string;
    /** Only these names are listed, paged and counted (a token's scope); the rest stay unseen. */
    visible?: (name: string) => boolean;
  }): Promise<{ items: AgentStatus[]; next?: string }> {
    const fleet = await this.deps.store.fleet();
    const images = fleet ? this.deps.builds?.session('read', fleet) : undefined;
    // With builds: two more list calls (the build's Job and pods), whatever the page.
    const [{ entries, next }, build] = await Promise.all([this.deps.store.listPage(page), images?.build()]);
    const names = entries.map((entry) => entry.name);
    const observed = fleet ? await this.deps.cluster.observe({ fleet, agents: names }) : emptyObserved();
    const byAgent = observedByAgent(observed);
    const observedOf = (name: string) => byAgent.get(name) ?? emptyObserved();
    const records = entries.filter((entry): entry is AgentRecord => !isTombstone(entry));
    const pool = this.poolSession(images);
    const finished = fleet ? await this.finish(records, observedOf, images, fleet, pool) : new Map();
    const poolSeen = await this.poolFor(
      pool,
      entries.map((entry) => ({
        name: entry.name,
        record: isTombstone(entry) ? undefined : entry,
        observed: observedOf(entry.name),
      })),
    );
    const items = entries.flatMap((entry) => {
      const record = isTombstone(entry) ? undefined : entry;
      const outcome = finished.get(entry.name);
      const seen = outcome?.observed ?? observedOf(entry.name);
      if (!record && seen.objects.length === 0) return [];
      return [withFinishError(this.statusOf(entry.name, record, seen, build, poolSeen), outcome?.error)];
    });
    return { items, ...(next ? { next } : {}) };
  }

  /** The agent's objects that belong to this store (none when the store has no fleet yet). */
  private async observeOwn(name: string): Promise<{ fleet?: string; observed: Observed }> {
    const fleet = await this.deps.store.fleet();
    if (!fleet) return { observed: emptyObserved() };
    return { fleet, observed: ownedBy(await this.deps.cluster.observe({ agent: name }), fleet) };
  }

  async get(name: string): Promise<AgentStatus> {
    const fleet = await this.deps.store.fleet();
    const images = fleet ? this.deps.builds?.session('read', fleet) : undefined;
    const [stored, { observed }, build] = await Promise.all([
      this.deps.store.read(name),
      this.observeOwn(name),
      images?.build(),
    ]);
    if (!stored && observed.objects.length === 0) throw new NotFoundError(`no agent named "${name}"`);
    const pool = this.poolSession(images);
    const poolSeen = () => this.poolFor(pool, [{ record: stored?.value, observed, name }]);
    if (!stored || !fleet) return this.statusOf(name, stored?.value, observed, build, await poolSeen());
    const outcome = (await this.finish([stored.value], () => observed, images, fleet, pool)).get(name);
    return withFinishError(
      this.statusOf(
        name,
        stored.value,
        outcome?.observed ?? observed,
        images ? await images.build() : build,
        await poolSeen(),
      ),
      outcome?.error,
    );
  }

  /**
   * Deletes an agent: a tombstone replaces its config (so no sweep re-creates it, and a deploy
   * racing the delete either lands first or gets a conflict), then its revisions, then every
   * object of it in the cluster. Deleting an agent whose objects outlived an earlier delete
   * removes them.
   */
  async remove(name: string, by: TokenScope): Promise<RemoveResult> {
    const entry = await this.deps.store.readEntry(name);
    let own: Awaited<ReturnType<ControlPlane['observeOwn']>> | undefined;
    try {
      own = await this.observeOwn(name);
    } catch (error) {
      // Without a config, only the cluster could say whether the agent exists: do not guess 404.
      if (!entry || isTombstone(entry.value)) throw error;
    }
    const live = entry && !isTombstone(entry.value) ? (entry as Versioned<AgentRecord>) : undefined;
    if (!live && (own?.observed.objects.length ?? 0) === 0)
      throw new NotFoundError(`no agent named "${name}"`);
    if (live) await this.deps.store.remove(name, live.etag, this.now(), scopeLabel(by));
    if (entry) await this.deps.store.removeRevisions(name, entry.value.incarnation);
    const released = { name, releasedSecrets: releasedSecretsOf(name) };
    const fleet = own?.fleet ?? (await this.deps.store.fleet());
    if (!fleet) return { ...released, pending: false, deleted: [] };
    const target = own && targetOf(own.observed.deployments.find((d) => d.metadata?.name === name));
    try {
      const result = await reconcile(name, this.deps, {
        fleet,
        record: null,
        ...(own ? { observed: own.observed } : {}),
      });
      const pruned = result.action === 'deleted' ? result.pruned : [];
      // Locally the objects are only the server's bookkeeping: what went are the processes.
      const deleted =
        target === 'local'
          ? (own?.observed.pods ?? []).map((pod) => `process ${pod.metadata?.name ?? ''}`)
          : pruned;
      return { ...released, pending: false, ...(target ? { target } : {}), deleted };
    } catch (error) {
      return { ...released, pending: true, error };
    }
  }

  /** The stored config of an agent's current generation, as resolved (every default filled). */
  async config(
    name: string,
  ): Promise<{ name: string; generation: number; updatedAt: string; spec: AgentSpec }> {
    const stored = await this.deps.store.read(name);
    if (!stored) throw new NotFoundError(`no agent named "${name}"`);
    const { generation, updatedAt, spec } = stored.value;
    return { name, generation, updatedAt, spec };
  }

  async revisions(
    name: string,
  ): Promise<{ current: number; revisions: (RevisionSummary & { current: boolean })[] }> {
    const stored = await this.deps.store.read(name);
    if (!stored) throw new NotFoundError(`no agent named "${name}"`);
    const current = stored.value;
    const kept = await this.deps.store.listRevisions(name, current.incarnation);
    return {
      current: current.generation,
      revisions: [
        ...kept
          .filter((revision) => revision.generation !== current.generation)
          .map((revision) => ({ ...revision, current: false })),
        {
          generation: current.generation,
          specHash: current.specHash,
          updatedAt: current.updatedAt,
          cause: current.cause,
          current: true,
        },
      ],
    };
  }

  /** A rollback is a new generation whose spec is that of an older one: a write like a deploy. */
  async rollback(name: string, toGeneration: number | undefined, by: TokenScope): Promise<DeployResult> {
    const stored = await this.deps.store.read(name);
    if (!stored) throw new NotFoundError(`no agent named "${name}"`);
    const target = toGeneration ?? stored.value.generation - 1;
    if (toGeneration === undefined && target < 1)
      throw new NotFoundError(`agent "${name}" has only one generation; there is nothing to roll back to`);
    if (target === stored.value.generation)
      throw new ConflictError(`generation ${target} is already the current generation of "${name}"`);
    const revision =
      target >= 1 ? await this.deps.store.readRevision(name, target, stored.value.incarnation) : undefined;
    if (!revision) throw new NotFoundError(`agent "${name}" has no revision ${target}`);
    return this.deployOne(revision.spec, { by, cause: { kind: 'rollback', toGeneration: target } });
  }

  /** Reconciles every agent and removes orphans (the scheduled function's work). */
  sweep(): Promise<SweepReport> {
    return sweep(this.deps, this.deps.sweep);
  }

  async logs(name: string, tailLines: number): Promise<PodLog[]> {
    const stored = await this.deps.store.read(name);
    const pooled = stored !== undefined && tierOf(stored.value.spec) === 'pooled';
    const logs = await this.deps.cluster.podLogs(name, { tailLines, pooled });
    if (!stored && logs.length === 0) throw new NotFoundError(`no agent named "${name}"`);
    return logs;
  }

  /**
   * The log tail of the build of the image the agent runs (or is waiting for): the Kaniko pod's.
   * Empty when the image is pinned, the agent runs locally, or no build ran lately (finished
   * Jobs go after FLEETPLANE_BUILD_TTL_SECONDS).
   */
  async buildLogs(name: string, tailLines: number): Promise<PodLog[]> {
    const stored = await this.deps.store.read(name);
    if (!stored) {
      const { observed } = await this.observeOwn(name);
      if (observed.objects.length === 0) throw new NotFoundError(`no agent named "${name}"`);
      return [];
    }
    if (!this.deps.builds || !needsImage(stored.value.spec)) return [];
    return this.deps.builds.logs(tailLines);
  }

  /** Build contexts and images no agent references any more; deleted only when `dryRun` is false. */
  gc(options: { dryRun: boolean }): Promise<GcReport> {
    const { builds, cluster, store, platform, gcMinAgeSeconds } = this.deps;
    return collectGarbage(
      {
        builds,
        cluster,
        store,
        platform,
        minAgeSeconds: gcMinAgeSeconds ?? DEFAULT_GC_MIN_AGE_SECONDS,
        ...(this.deps.now ? { now: () => (this.deps.now as () => Date)().getTime() } : {}),
      },
      options,
    );
  }
}

/** Whether an agent is moving between tiers: its other tier's objects are still observed. */
function betweenTiers(record: AgentRecord, observed: Observed): boolean {
  return tierOf(record.spec) === 'pooled'
    ? dedicatedLeftovers(observed, record.name).length > 0
    : pooledConfigMapOf(observed, record.name) !== undefined;
}

/** A status read whose attempt to finish the agent failed says so in its Applied condition. */
function withFinishError(status: AgentStatus, error: unknown): AgentStatus {
  if (!error) return status;
  const failed: Condition = {
    type: 'Applied',
    status: 'False',
    reason: 'FinishFailed',
    message: `applying the built image failed: ${(error as Error).message}`,
  };
  return {
    ...status,
    conditions: status.conditions.map((condition) => (condition.type === 'Applied' ? failed : condition)),
  };
}
