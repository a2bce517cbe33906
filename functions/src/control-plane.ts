/**
 * The control plane's operations, independent of HTTP: deploy, list, get, delete, revisions,
 * rollback, logs. Desired state goes to the store first (conditional writes), then
 * `reconcile` applies it; when the cluster fails after the store succeeded, the answer says
 * so and the sweep finishes the work. Routes translate these results into responses.
 */
import type { Cluster, PodLog } from './cluster/cluster.ts';
import type { AgentSpec } from './core/agent-spec.ts';
import { ConflictError, FleetplaneError, NotFoundError, ValidationError } from './core/errors.ts';
import { hashOf } from './core/hash.ts';
import type { PlatformSettings } from './core/platform.ts';
import { type AgentStatus, agentsIn, deriveStatus } from './core/status.ts';
import { observedFor, type ReconcileDeps, reconcile } from './reconcile.ts';
import type { AgentRecord, RevisionSummary } from './store/agent-record.ts';
import { type ConfigStore, mapLimit } from './store/config-store.ts';
import { type SweepReport, sweep } from './sweep.ts';

export interface ControlPlaneDeps extends ReconcileDeps {
  store: ConfigStore;
  cluster: Cluster;
  platform: PlatformSettings;
  /** Whether agents with `"cloud": "local"` can run here (the local server only). */
  localTarget?: boolean;
  now?: () => Date;
}

export type WriteOutcome = 'created' | 'updated' | 'unchanged';

export interface DeployResult {
  name: string;
  /** HTTP status for this agent alone: 201 created, 200 updated or unchanged, 4xx/5xx failed. */
  status: number;
  outcome?: WriteOutcome;
  generation?: number;
  deployment?: AgentStatus;
  error?: { title: string; detail: string; type: string };
}

export const urlOf = (platform: PlatformSettings, name: string) =>
  `${(platform.publicUrl ?? `https://${platform.domain}`).replace(/\/+$/, '')}/${name}/`;

const problemOf = (error: unknown) =>
  error instanceof FleetplaneError
    ? { type: `https://fleetplane.io/problems/${error.slug}`, title: error.title, detail: error.message }
    : { type: 'about:blank', title: 'Internal error', detail: 'an unexpected error occurred' };

export class ControlPlane {
  private readonly deps: ControlPlaneDeps;

  constructor(deps: ControlPlaneDeps) {
    this.deps = deps;
  }

  private now() {
    return (this.deps.now?.() ?? new Date()).toISOString();
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

  private async statusOf(name: string, record: AgentRecord | undefined): Promise<AgentStatus> {
    const observed = await this.deps.cluster.observe(name);
    return deriveStatus({ name, record, observed, url: urlOf(this.deps.platform, name) });
  }

  /** Refuses, before anything is written, agents that cannot run where this control plane deploys. */
  assertDeployable(specs: AgentSpec[], batch: boolean): void {
    if (this.deps.localTarget) return;
    const errors = specs.flatMap((spec, index) =>
      spec.cloud === 'local'
        ? [
            {
              path: `${batch ? `agents[${index}].` : ''}cloud`,
              message: 'is "local", which only the local server (npm start) can run; use "DigitalOcean" here',
            },
          ]
        : [],
    );
    if (errors.length) throw new ValidationError(errors, 422);
  }

  /** Deploys one agent: store, then apply. Store failures throw; cluster failures are reported. */
  async deployOne(spec: AgentSpec, cause?: AgentRecord['cause']): Promise<DeployResult> {
    const { record, outcome } = await this.writeDesired(spec, cause);
    const base = { name: spec.name, outcome, generation: record.generation };
    try {
      await reconcile(spec.name, this.deps, { record });
      return {
        ...base,
        status: outcome === 'created' ? 201 : 200,
        deployment: await this.statusOf(spec.name, record),
      };
    } catch (error) {
      const problem = problemOf(error);
      return {
        ...base,
        status: error instanceof FleetplaneError ? error.status : 500,
        error: {
          ...problem,
          detail: `generation ${record.generation} is stored, but applying it failed: ${problem.detail}. The sweep retries within a minute; deploying again is safe.`,
        },
      };
    }
  }

  /** Deploys several agents; each gets its own result, and one failure does not stop the rest. */
  async deployMany(specs: AgentSpec[]): Promise<DeployResult[]> {
    return mapLimit(specs, 4, async (spec) => {
      try {
        return await this.deployOne(spec);
      } catch (error) {
        return {
          name: spec.name,
          status: error instanceof FleetplaneError ? error.status : 500,
          error: problemOf(error),
        };
      }
    });
  }

  /** Every agent, stored or still in the cluster: one store listing, one list call per kind. */
  async list(): Promise<AgentStatus[]> {
    const [records, observed] = await Promise.all([this.deps.store.list(), this.deps.cluster.observe()]);
    const names = [
      ...new Set([...records.map((record) => record.name), ...agentsIn(observed.objects)]),
    ].sort();
    return names.map((name) =>
      deriveStatus({
        name,
        record: records.find((record) => record.name === name),
        observed: observedFor(observed, name),
        url: urlOf(this.deps.platform, name),
      }),
    );
  }

  async get(name: string): Promise<AgentStatus> {
    const [stored, observed] = await Promise.all([
      this.deps.store.read(name),
      this.deps.cluster.observe(name),
    ]);
    if (!stored && observed.objects.length === 0) throw new NotFoundError(`no agent named "${name}"`);
    return deriveStatus({ name, record: stored?.value, observed, url: urlOf(this.deps.platform, name) });
  }

  /**
   * Deletes the config first (so no sweep re-creates the agent), then every object in the
   * cluster, then the revisions. Returns whether the cluster is already clean.
   */
  async remove(
    name: string,
  ): Promise<{ name: string; deleted: string[]; pending: boolean; detail?: string }> {
    const stored = await this.deps.store.read(name);
    let observed: Awaited<ReturnType<Cluster['observe']>> | undefined;
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
      return { name, deleted: result.action === 'deleted' ? result.pruned : [], pending: false };
    } catch (error) {
      return {
        name,
        deleted: [],
        pending: true,
        detail: `the config is deleted; removing its objects from the cluster failed (${problemOf(error).detail}); the sweep removes them`,
      };
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
