/**
 * Waiting for agents: polls `GET /deployments` (one list per interval, however many agents:
 * DigitalOcean allows 600 invocations a minute per namespace), backs off from ~1 s to ~5 s,
 * honours Retry-After, and reports every agent's view after each poll.
 *
 * Browser-safe: timers and AbortSignal only. Never calls GET /deployments/{name} per agent.
 */
import type { FleetplaneClient } from './client.ts';
import { ApiError, UnreachableError } from './errors.ts';
import { type AgentView, DEGRADED_GRACE_MS, viewOf, type WaitTarget } from './progress.ts';
import type { Deployment } from './types.ts';

export interface PollSchedule {
  initialMs: number;
  maxMs: number;
  factor: number;
}

/** 1 s, 1.5 s, 2.25 s, 3.4 s, 5 s, 5 s...: quick feedback first, then polite. */
export const DEFAULT_SCHEDULE: PollSchedule = { initialMs: 1_000, maxMs: 5_000, factor: 1.5 };

/** The delay after poll number `poll` (0-based); it depends on time alone, never on the agents. */
export function pollDelay(poll: number, schedule: PollSchedule = DEFAULT_SCHEDULE): number {
  return Math.min(schedule.maxMs, Math.round(schedule.initialMs * schedule.factor ** poll));
}

export interface WaitProgress {
  agents: AgentView[];
  polls: number;
  elapsedMs: number;
}

export interface WaitOptions {
  /** `running` (default): until each agent runs its current generation; `deleted`: until each is gone. */
  until?: WaitTarget;
  /** Default 5 minutes. */
  timeoutMs?: number;
  signal?: AbortSignal;
  schedule?: PollSchedule;
  degradedGraceMs?: number;
  /** Per agent, the generation a deploy answered with: older generations do not count as done. */
  generations?: Record<string, number | undefined>;
  /** After every poll that got an answer. */
  onProgress?: (progress: WaitProgress) => void;
  /** A poll failed in a way worth retrying (unreachable, 5xx, 429); the wait goes on. */
  onRetry?: (error: Error, delayMs: number) => void;
}

export interface WaitResult extends WaitProgress {
  /** Every agent reached the target. */
  ok: boolean;
  timedOut: boolean;
  /** Set when the wait ended because polling kept failing until the deadline. */
  lastError?: Error;
}

const transient = (error: unknown) =>
  error instanceof UnreachableError ||
  (error instanceof ApiError && (error.status === 429 || error.status >= 500));

/** Sleeps, but wakes at once when the signal aborts (and then throws its reason). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Waits for `names` to reach the target, or to fail, or for the timeout. Throws only what
 * waiting longer cannot fix (a refused token, a 404 of the list route) or the signal's reason.
 */
export async function waitForAgents(
  client: FleetplaneClient,
  names: string[],
  options: WaitOptions = {},
): Promise<WaitResult> {
  const target = options.until ?? 'running';
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const started = Date.now();
  const deadline = started + timeoutMs;
  // Per agent: the phase last seen and since when, and since when it has been Degraded.
  const seen = new Map<string, { phase: string; at: number; degradedAt?: number }>();
  let agents: AgentView[] = names.map((name) => ({
    name,
    phase: 'Missing',
    outcome: 'waiting',
    since: started,
  }));
  let polls = 0;
  let lastError: Error | undefined;

  for (;;) {
    let delay = pollDelay(polls, options.schedule);
    let listed: Deployment[] | undefined;
    try {
      // No retries inside the call: this loop is the retry, on its own schedule.
      listed = await client.list({ retries: 0, ...(options.signal ? { signal: options.signal } : {}) });
      lastError = undefined;
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (!transient(error)) throw error;
      lastError = error as Error;
      const asked = error instanceof ApiError ? (error.retryAfterSeconds ?? 0) * 1000 : 0;
      delay = Math.max(delay, asked);
      options.onRetry?.(lastError, Math.min(delay, Math.max(0, deadline - Date.now())));
    }
    polls++;
    const now = Date.now();
    if (listed) {
      const byName = new Map(listed.map((d) => [d.name, d]));
      agents = names.map((name) => {
        const d = byName.get(name);
        const phase = d?.phase ?? 'Missing';
        const previous = seen.get(name);
        const at = previous && previous.phase === phase ? previous.at : now;
        const degradedAt = phase === 'Degraded' ? (previous?.degradedAt ?? now) : undefined;
        seen.set(name, { phase, at, ...(degradedAt !== undefined ? { degradedAt } : {}) });
        return viewOf(name, d, {
          target,
          firstSeen: at,
          degradedForMs: degradedAt === undefined ? 0 : now - degradedAt,
          degradedGraceMs: options.degradedGraceMs ?? DEGRADED_GRACE_MS,
          ...(options.generations?.[name] !== undefined ? { minGeneration: options.generations[name] } : {}),
        });
      });
      options.onProgress?.({ agents, polls, elapsedMs: now - started });
      if (agents.every((agent) => agent.outcome !== 'waiting'))
        return {
          ok: agents.every((agent) => agent.outcome === 'ready'),
          timedOut: false,
          agents,
          polls,
          elapsedMs: now - started,
        };
    }
    if (now >= deadline)
      return {
        ok: false,
        timedOut: true,
        agents,
        polls,
        elapsedMs: now - started,
        ...(lastError ? { lastError } : {}),
      };
    // The last poll lands on the deadline, so a timeout reports what each agent was doing then.
    await sleep(Math.min(delay, deadline - now), options.signal);
  }
}
