/**
 * One pool: the agents it holds, built with the same createAgentApp a dedicated agent runs (so
 * every route, limit, key check, metric and log field a dedicated agent has, a pooled one has),
 * sharing what a process has once: the model client (the platform's provider), the log sink,
 * the lifecycle and the client-address rule. Per agent: its app, its rate limits, its metrics.
 *
 * Web-standard (no node:*): the Node entry (node/main.ts) and tests wire sources to it.
 */
import type { Context } from 'hono';
import type { Lifecycle } from '../agent-runtime.ts';
import { createAgentApp } from '../app.ts';
import { neverStopping } from '../deps.ts';
import type { ChatModel } from '../llm/model-port.ts';
import { createLogger, type LogSink } from '../observability/logger.ts';
import { AgentPool } from './agent-pool.ts';
import { type FairnessLimits, FairScheduler } from './fair-scheduler.ts';
import { createPoolFetch, type PoolFetch } from './pool-fetch.ts';

export interface PoolDeps {
  model: ChatModel;
  log?: LogSink;
  lifecycle?: Lifecycle;
  clientAddress?: (c: Context) => string | undefined;
  corsOrigins?: readonly string[];
  keepAliveMs?: number;
  fairness?: Partial<FairnessLimits>;
}

export interface PoolRuntime {
  pool: AgentPool;
  scheduler: FairScheduler;
  fetch: PoolFetch;
  /** Marks the source's first full set as delivered: from then on the pool reports ready. */
  markSynced(): void;
  /** Settles when markSynced is first called. */
  synced: Promise<void>;
}

export function createPoolRuntime(deps: PoolDeps): PoolRuntime {
  const sink = deps.log ?? console.log;
  const log = createLogger('info', sink, { component: 'pool' });
  const lifecycle = deps.lifecycle ?? neverStopping;
  const pool = new AgentPool({
    log,
    build: (config) =>
      createAgentApp(config, {
        model: deps.model,
        log: sink,
        lifecycle,
        ...(deps.clientAddress ? { clientAddress: deps.clientAddress } : {}),
        ...(deps.corsOrigins ? { corsOrigins: deps.corsOrigins } : {}),
        ...(deps.keepAliveMs !== undefined ? { keepAliveMs: deps.keepAliveMs } : {}),
      }).fetch,
  });
  const scheduler = new FairScheduler(deps.fairness);
  let synced = false;
  let settle = () => {};
  const done = new Promise<void>((resolve) => {
    settle = resolve;
  });
  const fetch = createPoolFetch({ pool, scheduler, log, ready: () => synced && !lifecycle.draining });
  return {
    pool,
    scheduler,
    fetch,
    markSynced: () => {
      synced = true;
      settle();
    },
    synced: done,
  };
}
