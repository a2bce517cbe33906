/**
 * Outermost middleware: request id (X-Request-Id honoured when sane, else generated, and
 * always returned), the access log line, and request/latency metrics.
 *
 * Logs method, path, status, timing and token counts, never headers or bodies. Metric
 * labels use the matched route pattern, never the raw path (unbounded cardinality).
 */
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Logger } from '../observability/logger.ts';
import type { AgentMetrics } from '../observability/metrics.ts';
import type { AgentEnv } from './agent-env.ts';

const SANE_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export function observe(basePath: string, metrics: AgentMetrics, log: Logger): MiddlewareHandler<AgentEnv> {
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header('x-request-id');
    const requestId = given !== undefined && SANE_ID.test(given) ? given : crypto.randomUUID();
    c.set('requestId', requestId);
    // Before the response exists: setting headers on a finished response forces node-server
    // off its fast path (it rebuilds a full Response), a measured cost per request.
    c.header('X-Request-Id', requestId);
    metrics.inFlight++;
    try {
      await next();
    } finally {
      metrics.inFlight--;
    }
    const seconds = (performance.now() - started) / 1000;
    // The last route of a method that matched (middleware and catch-alls are ALL): the 405
    // catch-all matches every path, and a 401 from the key check still counts for its route.
    const matched = matchedRoutes(c).findLast((r) => r.method !== 'ALL');
    const route = routeLabel(matched?.path ?? '*', basePath);
    const status = c.res.status;
    metrics.requests.inc({ route, method: c.req.method, status: String(status) });
    metrics.duration.observe({ route }, seconds);
    if (log.enabled('info')) {
      const usage = c.get('usage');
      log.info('request', {
        requestId,
        method: c.req.method,
        path: c.req.path,
        status,
        durationMs: Math.round(seconds * 10_000) / 10,
        ...(usage ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens } : {}),
      });
    }
  };
}

function routeLabel(pattern: string, basePath: string): string {
  if (pattern.endsWith('*')) return 'unmatched';
  const local = pattern.startsWith(basePath) ? pattern.slice(basePath.length) : pattern;
  return local === '' ? '/' : local;
}
