/**
 * What an incoming request says about the run it starts: how deep in a chain of agents it is
 * (`x-fleetplane-agent-depth`, set by a calling agent's tool) and how long its caller waits
 * (`x-fleetplane-deadline-ms`). The run's deadline is the agent's own requestTimeoutMs or the
 * caller's wait, whichever ends first.
 *
 * Anyone may send these headers; they can only shorten a run or make it offer fewer tools,
 * never lengthen it or add any. A value that is not a whole number counts as absent.
 */
import type { Context } from 'hono';
import type { AgentRuntime } from '../agent-runtime.ts';
import type { AgentEnv } from '../http/agent-env.ts';
import { AGENT_DEPTH_HEADER, DEADLINE_HEADER } from '../tool-contract.ts';

const wholeNumber = (text: string | undefined): number | undefined =>
  text !== undefined && /^\d{1,9}$/.test(text) ? Number(text) : undefined;

export function runScopeOf(c: Context<AgentEnv>, rt: AgentRuntime): { depth: number; deadline: number } {
  const depth = wholeNumber(c.req.header(AGENT_DEPTH_HEADER)) ?? 0;
  const waits = wholeNumber(c.req.header(DEADLINE_HEADER));
  const budget = Math.min(rt.config.limits.requestTimeoutMs, waits ?? Number.POSITIVE_INFINITY);
  return { depth, deadline: Date.now() + budget };
}
