/**
 * Everything a route needs about its agent, built once per app: the config, the model
 * door, metrics, logger and lifecycle. Routes take this instead of reaching for globals.
 */
import type { Context } from 'hono';
import { type Linked, linkSignals } from './abort.ts';
import type { ResolvedRuntimeConfig } from './contract.ts';
import type { AgentEnv } from './http/agent-env.ts';
import type { ModelCalls } from './llm/model-calls.ts';
import type { Logger } from './observability/logger.ts';
import type { AgentMetrics } from './observability/metrics.ts';
import type { Toolbox } from './tools/toolbox.ts';

/** Shutdown state the host drives; `draining` fails readiness, `stopping` ends streams. */
export interface Lifecycle {
  readonly draining: boolean;
  readonly stopping: AbortSignal;
}

export interface AgentRuntime {
  config: ResolvedRuntimeConfig;
  calls: ModelCalls;
  metrics: AgentMetrics;
  log: Logger;
  lifecycle: Lifecycle;
  keepAliveMs: number;
  version: string;
  /** The agent's tools; undefined when it has none (then no tool code runs at all). */
  tools?: Toolbox;
}

/**
 * The signal of a streamed model call: client gone, agent stopping, or stream cancelled.
 * Call `unlink` when the stream ends (it listens on the long-lived shutdown signal).
 * Whole answers just use the request's signal: when the grace period ends, their sockets
 * are closed, which aborts it.
 */
export function streamSignal(c: Context<AgentEnv>, rt: AgentRuntime): Linked {
  return linkSignals([c.req.raw.signal, rt.lifecycle.stopping]);
}
