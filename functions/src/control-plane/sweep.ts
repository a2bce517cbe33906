/**
 * The sweep: run by a scheduled trigger every minute, it reconciles every stored agent and
 * deletes objects whose agent has no stored config. One store listing and one cluster
 * observation per run, however many agents; one agent's failure does not stop the others.
 */
import { agentsIn, emptyObserved, observedByAgent } from '../core/observed.ts';
import { mapLimit } from '../lib/map-limit.ts';
import { type ReconcileDeps, type ReconcileResult, reconcile } from './reconcile.ts';

export interface SweepReport {
  startedAt: string;
  durationMs: number;
  agents: number;
  results: ReconcileResult[];
  failures: { name: string; error: string }[];
}

const SWEEP_CONCURRENCY = 8;

export async function sweep(deps: ReconcileDeps, now: () => number = Date.now): Promise<SweepReport> {
  const started = now();
  const [records, observed] = await Promise.all([deps.store.list(), deps.cluster.observe()]);
  const stored = new Set(records.map((record) => record.name));
  const orphans = agentsIn(observed.objects).filter((name) => !stored.has(name));
  const byAgent = observedByAgent(observed);
  const results: ReconcileResult[] = [];
  const failures: SweepReport['failures'] = [];
  const work = [
    ...records.map((record) => ({ name: record.name, record: record as typeof record | null })),
    ...orphans.map((name) => ({ name, record: null })),
  ];
  await mapLimit(work, SWEEP_CONCURRENCY, async ({ name, record }) => {
    try {
      results.push(await reconcile(name, deps, { record, observed: byAgent.get(name) ?? emptyObserved() }));
    } catch (error) {
      failures.push({ name, error: (error as Error).message });
    }
  });
  return {
    startedAt: new Date(started).toISOString(),
    durationMs: now() - started,
    agents: records.length,
    results: results.sort((a, b) => a.name.localeCompare(b.name)),
    failures,
  };
}
