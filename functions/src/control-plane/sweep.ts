/**
 * The sweep: run by a scheduled trigger every minute (and by the local server), it reconciles
 * every stored agent and deletes the objects of deleted ones. One store listing and one
 * observation of this fleet per run; an agent with nothing to do costs no request at all.
 *
 * Deleting is the dangerous verb, so the sweep deletes only what it can prove is unwanted:
 * - only objects labelled with this store's fleet id; a store never written (no fleet.json:
 *   an empty, wrong or new bucket or prefix) has no fleet and deletes nothing;
 * - an agent whose objects remain is deleted when DELETE left its tombstone; objects of a
 *   name the store knows nothing about are "unexplained": deleted only when two consecutive
 *   sweeps found them so, and only within a budget kept in the store across runs (a share of
 *   the fleet per window); past it none of them is deleted and the refusal is reported
 *   (core/sweep-guard.ts). A store that cannot be read, or a guard that cannot be written,
 *   deletes nothing unexplained;
 * - each object is deleted only if unchanged since it was observed, and each agent's record
 *   is read again before anything is done to it.
 *
 * Pooled agents' ConfigMaps follow the same rules (they carry the agent and fleet labels). The
 * pool's own objects are repaired when pooled agents exist, and never deleted (pool.ts).
 *
 * With in-cluster builds it also finishes deploys whose image build completed, and starts the
 * build of an image no Job is building (after a control plane upgrade, say); it never retries a
 * failed build, which only a deploy does. Agents already on the image cost no build request.
 */
import { POOL_NAME } from '#agent-runtime/pool-contract';
import { isTombstone } from '../core/agent-record.ts';
import { needsImage } from '../core/build-plan.ts';
import { agentsIn, emptyObserved, observedByAgent } from '../core/observed.ts';
import { DEFAULT_SWEEP_GUARD_OPTIONS, decideUnexplained } from '../core/sweep-guard.ts';
import { tierOf } from '../core/tiers.ts';
import type { Logger } from '../lib/logger.ts';
import { mapLimit } from '../lib/map-limit.ts';
import type { ConfigStore } from '../store/config-store.ts';
import { PoolSession } from './pool.ts';
import { type ReconcileDeps, type ReconcileResult, reconcile } from './reconcile.ts';

export interface SweepOptions {
  /**
   * The largest share of the fleet the sweep deletes without a tombstone within the budget's
   * window (0.1: one agent in ten), counted across runs. More than that is refused and reported.
   */
  maxUnexplainedShare: number;
  /** How long a deletion without a tombstone counts against that share (24 hours). */
  budgetWindowMs: number;
}

export const DEFAULT_SWEEP_OPTIONS: SweepOptions = {
  maxUnexplainedShare: DEFAULT_SWEEP_GUARD_OPTIONS.maxShare,
  budgetWindowMs: DEFAULT_SWEEP_GUARD_OPTIONS.windowMs,
};

export interface SweepReport {
  startedAt: string;
  durationMs: number;
  /** The store's fleet id; undefined when the store was never written (then nothing is done). */
  fleet?: string;
  agents: number;
  results: ReconcileResult[];
  failures: { name: string; error: string }[];
  /** Agents whose objects the sweep would have deleted but refused to, and why. */
  refused?: { agents: string[]; reason: string };
  /** Unexplained agents seen for the first time: deleted by the next sweep if still unexplained. */
  pending?: string[];
}

/**
 * Which unexplained agents this sweep deletes: the guard is read, decided on and written back
 * (conditionally) before anything is deleted. Any failure to read or write it deletes none.
 */
async function guardUnexplained(
  store: ConfigStore,
  unexplained: string[],
  fleetSize: number,
  options: SweepOptions,
  now: number,
): Promise<{
  deletable: string[];
  pending: string[];
  refused?: SweepReport['refused'];
  failure?: SweepReport['failures'][number];
}> {
  try {
    const guard = await store.readSweepGuard();
    const decision = decideUnexplained({
      unexplained,
      fleetSize,
      guard: guard?.value,
      now,
      options: { maxShare: options.maxUnexplainedShare, windowMs: options.budgetWindowMs },
    });
    if (decision.next) await store.writeSweepGuard(decision.next, guard?.etag);
    return decision;
  } catch (error) {
    const failure = { name: 'sweep-guard.json', error: (error as Error).message };
    if (unexplained.length === 0) return { deletable: [], pending: [], failure };
    return {
      deletable: [],
      pending: [],
      failure,
      refused: {
        agents: [...unexplained].sort(),
        reason: `the sweep's deletion budget (sweep-guard.json in the store) could not be read or written (${(error as Error).message}), so no agent without a config or a tombstone is deleted this run`,
      },
    };
  }
}

const SWEEP_CONCURRENCY = 8;

export async function sweep(
  deps: ReconcileDeps,
  options: SweepOptions = DEFAULT_SWEEP_OPTIONS,
  now: () => number = Date.now,
): Promise<SweepReport> {
  const started = now();
  const finish = (report: Omit<SweepReport, 'startedAt' | 'durationMs'>): SweepReport => ({
    startedAt: new Date(started).toISOString(),
    durationMs: now() - started,
    ...report,
  });
  // Read afresh: a store emptied or replaced under a warm process must not be taken for this fleet.
  const fleet = await deps.store.fleet({ reread: true });
  if (!fleet) return finish({ agents: 0, results: [], failures: [] });

  const [entries, observed] = await Promise.all([deps.store.listEntries(), deps.cluster.observe({ fleet })]);
  const records = entries.filter((entry) => !isTombstone(entry));
  const tombstoned = new Set(entries.filter(isTombstone).map((entry) => entry.name));
  const stored = new Set(records.map((record) => record.name));
  const orphans = agentsIn(observed.objects).filter((name) => !stored.has(name));
  const unexplained = orphans.filter((name) => !tombstoned.has(name));
  const fleetSize = new Set([...stored, ...agentsIn(observed.objects)]).size;
  const guarded = await guardUnexplained(deps.store, unexplained, fleetSize, options, started);
  // Tombstoned agents are deleted with proof; unexplained ones only as the guard allows.
  const deletable = [...orphans.filter((name) => tombstoned.has(name)), ...guarded.deletable];
  const failures: SweepReport['failures'] = guarded.failure ? [guarded.failure] : [];

  const byAgent = observedByAgent(observed);
  // One look at the build, one registry lookup and one dispatch for every agent of this run.
  const images = deps.builds?.session('sweep', fleet);
  const results: ReconcileResult[] = [];
  // One look at the pool for every pooled agent; its objects repaired if any pooled agent needs it.
  const pool = new PoolSession(deps, () => images);
  if (records.some((record) => tierOf(record.spec) === 'pooled' && needsImage(record.spec)))
    await pool.ensure().catch((error: unknown) => {
      failures.push({ name: POOL_NAME, error: `ensuring the pool failed: ${(error as Error).message}` });
    });
  const work = [
    ...records.map((record) => ({ name: record.name, hint: record as typeof record | null })),
    ...deletable.map((name) => ({ name, hint: null })),
  ];
  await mapLimit(work, SWEEP_CONCURRENCY, async ({ name, hint }) => {
    try {
      results.push(
        await reconcile(name, deps, {
          fleet,
          hint,
          observed: byAgent.get(name) ?? emptyObserved(),
          pool,
          ...(images ? { images } : {}),
        }),
      );
    } catch (error) {
      failures.push({ name, error: (error as Error).message });
    }
  });
  return finish({
    fleet,
    agents: records.length,
    results: results.sort((a, b) => a.name.localeCompare(b.name)),
    failures,
    ...(guarded.refused ? { refused: guarded.refused } : {}),
    ...(guarded.pending.length ? { pending: guarded.pending } : {}),
  });
}

/** A sweep report in one log line: what it did, and loudly what it refused or failed to do. */
export function logSweep(log: Logger, report: SweepReport): void {
  const count = (action: ReconcileResult['action']) =>
    report.results.filter((result) => result.action === action).length;
  const fields = {
    fleet: report.fleet ?? null,
    agents: report.agents,
    applied: count('applied'),
    deleted: count('deleted'),
    unchanged: count('unchanged'),
    building: count('building'),
    failures: report.failures,
    ms: report.durationMs,
  };
  if (report.refused) log('warn', 'sweep refused to delete', { ...fields, refused: report.refused });
  else if (report.pending)
    log('warn', 'sweep found agents without a config or a tombstone; deleting them next sweep if still so', {
      ...fields,
      pending: report.pending,
    });
  else if (report.failures.length) log('warn', 'sweep failed for some agents', fields);
  else if (!report.fleet)
    log('info', 'sweep: the store has no fleet yet (nothing deployed), nothing to do', fields);
  else if (fields.applied || fields.deleted) log('info', 'sweep', fields);
}
