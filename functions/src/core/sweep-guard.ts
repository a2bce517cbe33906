/**
 * The sweep's guard against mass deletion, as data kept in the store and a pure decision over
 * it. "Unexplained" agents have objects in the cluster but neither a config nor a tombstone in
 * the store: a store emptied, replaced or half-read by mistake looks exactly like that. So:
 * - a name is deleted only when two consecutive sweeps found it unexplained (one bad listing
 *   deletes nothing);
 * - deletions without a tombstone share one budget across runs: at most `maxShare` of the fleet
 *   within `windowMs` (a store that loses a tenth of the fleet every minute is stopped after the
 *   first tenth, not after ten minutes); past it, none of them is deleted and the refusal says so.
 * The guard is written (conditionally) before anything is deleted, so a crash spends budget
 * rather than losing count of it.
 *
 * Pure: the caller reads and writes the guard.
 */

export interface SweepGuard {
  apiVersion: 'fleetplane.io/v1';
  kind: 'SweepGuard';
  /** Names the last sweep found unexplained, each with when a sweep first found it so. */
  unexplained: Record<string, string>;
  /** Deletions without a tombstone, newest last; entries older than the window no longer count. */
  deletions: { name: string; at: string }[];
}

export interface SweepGuardOptions {
  /** The largest share of the fleet deleted without a tombstone within the window (0.1). */
  maxShare: number;
  /** How long a deletion counts against the budget (24 hours). */
  windowMs: number;
}

export const DEFAULT_SWEEP_GUARD_OPTIONS: SweepGuardOptions = { maxShare: 0.1, windowMs: 24 * 3_600_000 };

export interface GuardDecision {
  /** Unexplained names seen by the previous sweep too, within budget: delete them now. */
  deletable: string[];
  /** Unexplained names seen for the first time: deleted by the next sweep if still unexplained. */
  pending: string[];
  /** All of them refused: the budget would be exceeded. */
  refused?: { agents: string[]; reason: string };
  /** The guard to write before deleting; undefined when nothing in it changes (nothing to write). */
  next?: SweepGuard;
}

const emptyGuard = (): SweepGuard => ({
  apiVersion: 'fleetplane.io/v1',
  kind: 'SweepGuard',
  unexplained: {},
  deletions: [],
});

const sameNames = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((name) => name in b);

export function decideUnexplained(input: {
  unexplained: string[];
  fleetSize: number;
  guard: SweepGuard | undefined;
  now: number;
  options: SweepGuardOptions;
}): GuardDecision {
  const { unexplained, fleetSize, now, options } = input;
  const guard = input.guard ?? emptyGuard();
  const at = new Date(now).toISOString();
  const recent = guard.deletions.filter((deletion) => Date.parse(deletion.at) > now - options.windowMs);
  const seen = Object.fromEntries(unexplained.map((name) => [name, guard.unexplained[name] ?? at]));
  const allowed = Math.floor(options.maxShare * fleetSize);
  const hours = Math.round(options.windowMs / 3_600_000);
  const unchanged = sameNames(seen, guard.unexplained);
  const nextGuard = (deletions: SweepGuard['deletions']): SweepGuard => ({
    ...emptyGuard(),
    unexplained: seen,
    deletions,
  });

  if (unexplained.length && recent.length + unexplained.length > allowed) {
    const already = recent.length ? `, after ${recent.length} such deletions in the last ${hours} h,` : '';
    return {
      deletable: [],
      pending: [],
      refused: {
        agents: [...unexplained].sort(),
        reason: `${unexplained.length} of ${fleetSize} agents have objects in the cluster but neither a config nor a tombstone in the store; deleting them${already} would exceed ${allowed} (a share of ${options.maxShare} of the fleet in ${hours} h, FLEETPLANE_SWEEP_MAX_DELETE_SHARE and FLEETPLANE_SWEEP_BUDGET_HOURS): refused, none of them is deleted. If the store is right, delete them with DELETE /deployments/<name>`,
      },
      ...(unchanged ? {} : { next: nextGuard(recent) }),
    };
  }
  const deletable = unexplained.filter((name) => name in guard.unexplained).sort();
  const pending = unexplained.filter((name) => !(name in guard.unexplained)).sort();
  if (deletable.length === 0 && unchanged) return { deletable, pending };
  // What is deleted now leaves the list: should it survive, it must be seen twice again.
  return {
    deletable,
    pending,
    next: {
      ...emptyGuard(),
      unexplained: Object.fromEntries(pending.map((name) => [name, seen[name] as string])),
      deletions: [...recent, ...deletable.map((name) => ({ name, at }))],
    },
  };
}
