/**
 * The fleetplane client library: typed calls to every API route, and waiting with progress.
 * Browser-safe (ky and fetch only), so the CLI, programs and the web console share it.
 *
 *   const fleet = createClient({ url: 'http://127.0.0.1:8080', token });
 *   const { results } = await fleet.deploy({ agents: [...] });
 *   const done = await waitForAgents(fleet, results.map((r) => r.name), { onProgress });
 */
export {
  type CallOptions,
  type ClientOptions,
  createClient,
  type FleetplaneClient,
  type GcOptions,
  type ListOptions,
  type LogsOptions,
} from './client.ts';
export { ApiError, UnreachableError } from './errors.ts';
export {
  type AgentView,
  clock,
  DEGRADED_GRACE_MS,
  type Outcome,
  summaryOf,
  troubleOf,
  viewOf,
  type WaitTarget,
} from './progress.ts';
export type * from './types.ts';
export {
  DEFAULT_SCHEDULE,
  type PollSchedule,
  pollDelay,
  type WaitOptions,
  type WaitProgress,
  type WaitResult,
  waitForAgents,
} from './wait.ts';
