/**
 * What the agent app needs from its host, injected so the core stays web-standard: the
 * model, the accepted key hashes, a log sink, the client's address, the lifecycle (drain,
 * stop) and clocks for tests.
 *
 * Hosts (Node entry, worker entry, tests) build these; the core never reads env or files.
 */
import type { Context } from 'hono';
import type { Lifecycle } from './agent-runtime.ts';
import type { ChatModel } from './llm/model-port.ts';
import type { RetryHooks } from './llm/retry.ts';
import type { LogSink } from './observability/logger.ts';
import type { ToolSecrets } from './tools/tool-headers.ts';

export interface AgentDeps {
  model: ChatModel;
  /** Hex SHA-256 of accepted API keys (from FLEETPLANE_AGENT_API_KEY_HASHES). */
  apiKeyHashes?: readonly string[];
  /** Where JSON log lines go; console.log by default. */
  log?: LogSink;
  /** The client's address for rate limiting; undefined when the host cannot tell. */
  clientAddress?: (c: Context) => string | undefined;
  lifecycle?: Lifecycle;
  /** Interval of SSE keep-alive comments (default 15 s). */
  keepAliveMs?: number;
  /** Clock for the rate limiter (default Date.now). */
  now?: () => number;
  retryHooks?: RetryHooks;
  /** Reported by GET / (default: this runtime's version). */
  version?: string;
  /** Origins whose pages may call the agent (the platform's console); none by default. */
  corsOrigins?: readonly string[];
  /** Tool credentials by variable name (`FLEETPLANE_TOOL_*`, filled from the agent's Secrets). */
  toolSecrets?: ToolSecrets;
  /** What tools send their requests with (default: the global fetch). */
  fetch?: typeof fetch;
}

export const neverStopping: Lifecycle = { draining: false, stopping: new AbortController().signal };
