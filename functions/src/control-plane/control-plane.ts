/**
 * The control plane's operations, in domain terms: deploy, list, get, remove, revisions,
 * rollback, logs, sweep. Desired state goes to the store first (conditional writes), then
 * `reconcile` applies it; when the cluster fails after the store succeeded, the result says
 * so and the sweep finishes the work. Requests arrive validated; answers are outcomes and
 * typed errors, which api/ alone turns into HTTP.
 */
import type { Cluster, PodLog } from '../cluster/cluster.ts';
import type { AgentRecord, RevisionSummary } from '../core/agent-record.ts';
import type { AgentSpec } from '../core/agent-spec.ts';
import { ConflictError, NotFoundError } from '../core/errors.ts';
import { hashOf } from '../core/hash.ts';
import { agentsIn, emptyObserved, type Observed, observedByAgent } from '../core/observed.ts';
import { agentUrl, type PlatformSettings } from '../core/platform.ts';
import { type AgentStatus, deriveStatus } from '../core/status.ts';
import { mapLimit } from '../lib/map-limit.ts';
import type { ConfigStore } from '../store/config-store.ts';
import { type ReconcileDeps, type ReconcileResult, reconcile } from './reconcile.ts';
import { type SweepReport, sweep } from './sweep.ts';

export interface ControlPlaneDeps extends ReconcileDeps {
  store: ConfigStore;
  cluster: Cluster;
  platform: PlatformSettings;
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

/** What a removal did: everything is gone, or the config is gone and the cluster lags. */
export type RemoveResult =
  | { name: string; pending: false; deleted: string[] }
  | { name: string; pending: true; error: unknown };

const DEPLOY_CONCURRENCY = 4;

export class ControlPlane {
  private readonly deps: ControlPlaneDeps;

  constructor(deps: ControlPlaneDeps) {
    this.deps = deps;
  }

  private now() {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  private statusOf(name: string, record: AgentRecord | undefined, observed: Observed): AgentStatus {
    return deriveStatus({ name, record, observed, url: agentUrl(this.deps.platform, name) });
  }

  /** Writes a spec as the agent's next generation, keeping the previous one as a revision. */
  private async writeDesired(
    spec: AgentSpec,
    cause: AgentRecord['cause'] = { kind: 'deploy' },
  ): Promise<{ record: AgentRecord; outcome: WriteOutcome }> {
    const { store } = this.deps;
    const specHash = hashOf(spec);
    const current = await store.read(spec.name);
    const now = this.now();
    if (!current) {
      const record: AgentRecord = {
        apiVersion: 'fleetplane.io/v1',
        name: spec.name,
        generation: 1,
        specHash,
        spec,
        createdAt: now,
        updatedAt: now,
        cause,
      };
      await store.create(record);
      return { record, outcome: 'created' };
    }
    if (current.value.specHash === specHash && cause.kind === 'deploy')
      return { record: current.value, outcome: 'unchanged' };
    await store.putRevision(current.value);
    const record: AgentRecord = {
      ...current.value,
      generation: current.value.generation + 1,
      specHash,
      spec,
      updatedAt: now,
      cause,
    };
    await store.replace(record, current.etag);
    return { record, outcome: 'updated' };
  }

  /**
   * Deploys one agent: store, then apply, observing the cluster once. A store failure throws
   * (nothing changed); a cluster failure after the store succeeded is a `stored` result.
   */
  async deployOne(spec: AgentSpec, cause?: AgentRecord['cause']): Promise<DeployResult> {
    const { record, outcome } = await this.writeDesired(spec, cause);
    const base = { name: spec.name, outcome, generation: record.generation };
    let result: ReconcileResult;
    try {
      result = await reconcile(spec.name, this.deps, { record });
    } catch (error) {
      return { ...base, kind: 'stored', error };
    }
    // A skipped reconcile (the cluster runs a newer generation) still answers with status.
    const observed =
      result.action === 'applied' ? result.observed : await this.deps.cluster.observe(spec.name);
    return { ...base, kind: 'applied', status: this.statusOf(spec.name, record, observed) };
  }

  /** Deploys several agents; each gets its own result, and one failure does not stop the rest. */
  deployMany(specs: AgentSpec[]): Promise<DeployResult[]> {
    return mapLimit(specs, DEPLOY_CONCURRENCY, async (spec) => {
      try {
        return await this.deployOne(spec);
      } catch (error) {
        return { name: spec.name, kind: 'failed', error };
      }
    });
  }

  /** Every agent, stored or still in the cluster: one store listing, one list call per kind. */
  async list(): Promise<AgentStatus[]> {
    const [records, observed] = await Promise.all([this.deps.store.list(), this.deps.cluster.observe()]);
    const recordByName = new Map(records.map((record) => [record.name, record]));
    const byAgent = observedByAgent(observed);
    const names = [...new Set([...recordByName.keys(), ...agentsIn(observed.objects)])].sort();
    return names.map((name) =>
      this.statusOf(name, recordByName.get(name), byAgent.get(name) ?? emptyObserved()),
    );
  }

  async get(name: string): Promise<AgentStatus> {
    const [stored, observed] = await Promise.all([
      this.deps.store.read(name),
      this.deps.cluster.observe(name),
    ]);
    if (!stored && observed.objects.length === 0) throw new NotFoundError(`no agent named "${name}"`);
    return this.statusOf(name, stored?.value, observed);
  }

  /**
   * Deletes the config first (so no sweep re-creates the agent), then every object in the
   * cluster, then the revisions.
   */
  async remove(name: string): Promise<RemoveResult> {
    const stored = await this.deps.store.read(name);
    let observed: Observed | undefined;
    try {
      observed = await this.deps.cluster.observe(name);
    } catch (error) {
      // Without a config, only the cluster could say whether the agent exists: do not guess 404.
      if (!stored) throw error;
    }
    if (!stored && observed?.objects.length === 0) throw new NotFoundError(`no agent named "${name}"`);
    if (stored) await this.deps.store.remove(name, stored.etag);
    await this.deps.store.removeRevisions(name);
    try {
      const result = await reconcile(name, this.deps, { record: null, ...(observed ? { observed } : {}) });
      return { name, pending: false, deleted: result.action === 'deleted' ? result.pruned : [] };
    } catch (error) {
      return { name, pending: true, error };
    }
  }

  async revisions(
    name: string,
  ): Promise<{ current: number; revisions: (RevisionSummary & { current: boolean })[] }> {
    const stored = await this.deps.store.read(name);
    if (!stored) throw new NotFoundError(`no agent named "${name}"`);
    const kept = await this.deps.store.listRevisions(name);
    const current = stored.value;
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

  /** A rollback is a new generation whose spec is that of an older one. */
  async rollback(name: string, toGeneration?: number): Promise<DeployResult> {
    const stored = await this.deps.store.read(name);
    if (!stored) throw new NotFoundError(`no agent named "${name}"`);
    const target = toGeneration ?? stored.value.generation - 1;
    if (target === stored.value.generation)
      throw new ConflictError(`generation ${target} is already the current generation of "${name}"`);
    const revision = target >= 1 ? await this.deps.store.readRevision(name, target) : undefined;
    if (!revision) throw new NotFoundError(`agent "${name}" has no revision ${target}`);
    return this.deployOne(revision.spec, { kind: 'rollback', toGeneration: target });
  }

  /** Reconciles every agent and removes orphans (the scheduled function's work). */
  sweep(): Promise<SweepReport> {
    return sweep(this.deps);
  }

  async logs(name: string, tailLines: number): Promise<PodLog[]> {
    const stored = await this.deps.store.read(name);
    const logs = await this.deps.cluster.podLogs(name, { tailLines });
    if (!stored && logs.length === 0) throw new NotFoundError(`no agent named "${name}"`);
    return logs;
  }
}
