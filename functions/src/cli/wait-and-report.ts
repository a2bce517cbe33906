/**
 * `--wait` for deploy, rollback and delete: waits with live progress on stderr, then prints
 * the outcome: each agent's URL on success, or what failed and why, or (on timeout) what each
 * agent was still doing. Returns the exit code.
 */
import type { FleetplaneClient } from '../client/client.ts';
import { type AgentView, clock, summaryOf, type WaitTarget } from '../client/progress.ts';
import { type WaitResult, waitForAgents } from '../client/wait.ts';
import type { VerbContext } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { table } from './output.ts';
import { progressView } from './progress-view.ts';

export interface WaitRequest {
  names: string[];
  until: WaitTarget;
  timeoutMs: number;
  generations?: Record<string, number | undefined>;
}

/** Waits; an interrupt (Ctrl-C) ends the wait, not what the control plane is doing. */
export async function waitWithProgress(
  context: VerbContext,
  client: FleetplaneClient,
  request: WaitRequest,
): Promise<WaitResult | 'interrupted'> {
  const view = progressView(context.io, request.names);
  try {
    return await waitForAgents(client, request.names, {
      until: request.until,
      timeoutMs: request.timeoutMs,
      ...(context.io.signal ? { signal: context.io.signal } : {}),
      ...(request.generations ? { generations: request.generations } : {}),
      onProgress: (progress) => view.update(progress),
      onRetry: (error, delayMs) =>
        view.notice(
          `the control plane did not answer the poll (${error.message}); retrying in ${clock(delayMs)}`,
        ),
    });
  } catch (error) {
    if (context.io.signal?.aborted) return 'interrupted';
    throw error;
  } finally {
    view.stop();
  }
}

/** What a wait ends with on stdout, the same for deploy and rollback: NAME, PHASE, URL. */
export function waitedTable(result: WaitResult): string {
  return table(
    ['NAME', 'PHASE', 'URL'],
    result.agents.map((a) => [a.name, a.outcome === 'ready' ? a.phase : `${a.phase} (${a.outcome})`, a.url]),
  );
}

const line = (agent: AgentView) => `  ${agent.name}: ${summaryOf(agent)}\n`;

/** Tells the outcome on stderr and returns the exit code; data goes to stdout elsewhere. */
export function reportWait(context: VerbContext, result: WaitResult | 'interrupted', what: string): number {
  const { io } = context;
  if (result === 'interrupted') {
    io.err(`fleetplane: interrupted; the ${what} goes on at the control plane (see 'fleetplane list')\n`);
    return EXIT.interrupted;
  }
  if (result.ok) return EXIT.ok;
  const failed = result.agents.filter((agent) => agent.outcome === 'failed');
  const waiting = result.agents.filter((agent) => agent.outcome === 'waiting');
  if (failed.length)
    io.err(
      `fleetplane: ${failed.length} of ${result.agents.length} agents failed:\n${failed.map(line).join('')}`,
    );
  if (result.timedOut && waiting.length) {
    const cause = result.lastError ? ` (the last poll failed: ${result.lastError.message})` : '';
    io.err(
      `fleetplane: timed out after ${clock(result.elapsedMs)}${cause}; still waiting for:\n${waiting.map(line).join('')}`,
    );
  }
  return EXIT.failed;
}
