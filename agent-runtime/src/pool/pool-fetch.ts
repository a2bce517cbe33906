/**
 * The pool's front door: `/<agent>/...` goes to that agent's app (the same app a dedicated
 * agent runs, under the same base path), after the fair scheduler grants it a slot; the slot is
 * held until the response body ends, so a stream counts for as long as it runs. The pool's own
 * probes and metrics live under `/_pool/`, which no agent name can take.
 *
 *   unknown agent                 404 (the pool is the host's catch-all route)
 *   config that failed to load    503 with Retry-After; the agent's status says why
 *   its share of the pool in use  429 with Retry-After (other agents are not affected)
 *
 * Probes of an agent (`/health`, `/ready`) skip the scheduler. Web-standard only (no node:*).
 */
import { Problem } from '../http/problem.ts';
import type { Logger } from '../observability/logger.ts';
import type { AgentPool } from './agent-pool.ts';
import { POOL_PATHS } from './contract.ts';
import { Busy, type FairScheduler, type Release } from './fair-scheduler.ts';

export interface PoolFrontOptions {
  pool: AgentPool;
  scheduler: FairScheduler;
  log: Logger;
  /** Ready to serve: the source has delivered its first full set, and the process is not draining. */
  ready: () => boolean;
}

export type PoolFetch = (request: Request, env?: unknown) => Promise<Response>;

const PROBES = new Set(['health', 'ready']);

function problemResponse(problem: Problem): Response {
  return Response.json(problem.body, {
    status: problem.body.status,
    headers: { ...problem.headers, 'content-type': 'application/problem+json' },
  });
}

/** The response with its body wrapped, so the slot is released when the body ends or is cancelled. */
function releasing(response: Response, release: Release): Response {
  if (!response.body) {
    release();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

export function createPoolFetch(options: PoolFrontOptions) {
  const { pool, scheduler, log } = options;
  let unknownAgents = 0;

  const metrics = () => {
    const report = pool.report();
    const lines = [
      '# HELP fleetplane_pool_agents Pooled agents this process holds, by state.',
      '# TYPE fleetplane_pool_agents gauge',
      `fleetplane_pool_agents{state="serving"} ${Object.keys(report.serving).length}`,
      `fleetplane_pool_agents{state="failed"} ${Object.keys(report.failed).length}`,
      '# HELP fleetplane_pool_agents_started Pooled agents whose app has been built (they served a request).',
      '# TYPE fleetplane_pool_agents_started gauge',
      `fleetplane_pool_agents_started ${pool.built}`,
      '# HELP fleetplane_pool_requests_in_flight Requests holding a slot of the pool.',
      '# TYPE fleetplane_pool_requests_in_flight gauge',
      `fleetplane_pool_requests_in_flight ${scheduler.active}`,
      "# HELP fleetplane_pool_requests_queued Requests waiting for their agent's share of the pool.",
      '# TYPE fleetplane_pool_requests_queued gauge',
      `fleetplane_pool_requests_queued ${scheduler.queued}`,
      '# HELP fleetplane_pool_requests_refused_total Requests refused with 429 for want of a slot.',
      '# TYPE fleetplane_pool_requests_refused_total counter',
      `fleetplane_pool_requests_refused_total ${scheduler.refused}`,
      '# HELP fleetplane_pool_requests_unknown_agent_total Requests for an agent the pool does not serve (404).',
      '# TYPE fleetplane_pool_requests_unknown_agent_total counter',
      `fleetplane_pool_requests_unknown_agent_total ${unknownAgents}`,
    ];
    return new Response(`${lines.join('\n')}\n`, {
      headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' },
    });
  };

  const own = (path: string): Response | undefined => {
    if (path === POOL_PATHS.health) return Response.json({ status: 'ok' });
    if (path === POOL_PATHS.ready)
      return options.ready()
        ? Response.json({ status: 'ready', agents: pool.size })
        : problemResponse(
            new Problem(503, 'unavailable', 'Service unavailable', 'the pool is starting or shutting down', {
              headers: { 'Retry-After': '1' },
            }),
          );
    if (path === POOL_PATHS.metrics) return metrics();
    return undefined;
  };

  const fetch: PoolFetch = async (request, env) => {
    const path = new URL(request.url).pathname;
    if (path.startsWith('/_pool/')) {
      const answer = own(path);
      if (answer) return answer;
    }
    const [, name = '', rest = ''] = /^\/([^/]*)\/?([^/]*)/.exec(path) ?? [];
    const found = pool.lookup(name);
    if (found.kind === 'unknown') {
      unknownAgents++;
      return problemResponse(
        new Problem(
          404,
          'not-found',
          'Not found',
          name ? `no agent named "${name}" is deployed here` : 'agents answer at /<agent-name>/',
        ),
      );
    }
    if (found.kind === 'failed')
      return problemResponse(
        new Problem(
          503,
          'agent-unavailable',
          'Agent unavailable',
          `agent "${name}" is not available: its configuration could not be loaded (its deployment status says why)`,
          { headers: { 'Retry-After': '5' } },
        ),
      );
    if (PROBES.has(rest) && path.split('/').length <= 3) return found.fetch(request, env);
    let release: Release;
    try {
      release = await scheduler.acquire(name, request.signal);
    } catch (error) {
      if (error instanceof Busy)
        return problemResponse(
          new Problem(
            429,
            'pool-busy',
            'Too many requests',
            `${error.message}; retry in ${error.retryAfterSeconds}s`,
            {
              headers: { 'Retry-After': String(error.retryAfterSeconds) },
            },
          ),
        );
      // The client went away while waiting: nobody reads the answer.
      return new Response(null, { status: 499 });
    }
    try {
      return releasing(await found.fetch(request, env), release);
    } catch (error) {
      release();
      log.error('pooled agent failed a request', { agent: name, detail: (error as Error).message });
      throw error;
    }
  };
  return fetch;
}
