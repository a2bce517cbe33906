/**
 * Everything a route needs about its agent, built once per app: the config, the model
 * door, metrics, logger and lifecycle. Routes take this instead of reaching for globals.
 */
import type { Context } from 'hono';
import type { RuntimeConfig } from './contract.ts';
import type { Lifecycle } from './deps.ts';
import type { AgentEnv } from './http/agent-env.ts';
import type { ModelCalls } from './llm/model-calls.ts';
import type { Logger } from './observability/logger.ts';
import type { AgentMetrics } from './observability/metrics.ts';

export interface AgentRuntime {
  config: RuntimeConfig;
  calls: ModelCalls;
  metrics: AgentMetrics;
  log: Logger;
  lifecycle: Lifecycle;
  keepAliveMs: number;
  version: string;
}

/** One signal for a model call: client gone, agent stopping, or `own` (stream cancelled). */
export function callSignal(c: Context<AgentEnv>, rt: AgentRuntime, own?: AbortSignal): AbortSignal {
  const signals = [c.req.raw.signal, rt.lifecycle.stopping];
  if (own) signals.push(own);
  return AbortSignal.any(signals);
}
