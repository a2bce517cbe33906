/**
 * createAgentApp: the agent's HTTP surface as a Hono app over web-standard Request and
 * Response only, so the same app runs under Node (node/main.ts) and workerd (worker/).
 *
 * Order matters: observe (request id, log, metrics) wraps everything; then CORS for the
 * platform's console, when configured (a preflight carries no key); then the access guard
 * (rate limits and the API key, in the order access-guard.ts explains), then routes.
 * Health and readiness skip the guard so probes never fail for the wrong reason. Nothing
 * here reads env, files or the clock directly.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import type { AgentRuntime } from './agent-runtime.ts';
import { type ResolvedRuntimeConfig, type RuntimeConfig, runtimeConfigSchema } from './contract.ts';
import { type AgentDeps, neverStopping } from './deps.ts';
import { accessGuard } from './http/access-guard.ts';
import type { AgentEnv } from './http/agent-env.ts';
import { keyCheck } from './http/api-key.ts';
import { allowOrigins } from './http/cors.ts';
import { answerMethodNotAllowed } from './http/method-not-allowed.ts';
import { observe } from './http/observe.ts';
import { onError, onNotFound } from './http/on-error.ts';
import { methodNotAllowed } from './http/problem.ts';
import { RateLimiter } from './http/rate-limit.ts';
import { ModelCalls } from './llm/model-calls.ts';
import { defaultRetryHooks } from './llm/retry.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { AgentMetrics } from './observability/metrics.ts';
import { registerAbout } from './routes/about.ts';
import { registerCustomEndpoints } from './routes/custom-endpoints.ts';
import { registerGenerate } from './routes/generate.ts';
import { registerOpenAiCompat, registerOpenAiCompatOff } from './routes/openai-compat.ts';
import { registerA2a } from './serve-as/a2a.ts';
import { registerMcp } from './serve-as/mcp.ts';
import { Toolbox } from './tools/toolbox.ts';
import { RUNTIME_VERSION } from './version.ts';

/** Builds the app; throws (naming the fields) when `written` breaks the contract. */
export function createAgentApp(written: RuntimeConfig, deps: AgentDeps): Hono<AgentEnv> {
  // Parsed here as well as by the hosts: every caller gets the defaults and the checks.
  const config = runtimeConfigSchema.parse(written);
  const log = createLogger(config.logging, deps.log ?? console.log, { agent: config.name });
  const metrics = new AgentMetrics();
  const rt: AgentRuntime = {
    config,
    calls: new ModelCalls(deps.model, config.limits, metrics, log, deps.retryHooks ?? defaultRetryHooks),
    metrics,
    log,
    lifecycle: deps.lifecycle ?? neverStopping,
    keepAliveMs: deps.keepAliveMs ?? 15_000,
    version: deps.version ?? RUNTIME_VERSION,
  };
  if (config.tools.length) rt.tools = toolboxOf(config, deps, log, rt.version);

  const app = new Hono<AgentEnv>({ strict: false });
  app.onError(onError(config.basePath, log));
  app.notFound(onNotFound());
  app.use('*', observe(config.basePath, metrics, log));
  // Before keys and limits: a browser's preflight carries no key and must not count as a failure.
  if (deps.corsOrigins?.length) app.use('*', allowOrigins(deps.corsOrigins));

  const probes = new Set([`${config.basePath}/health`, `${config.basePath}/ready`]);
  const isProbe = (path: string) => probes.has(path.endsWith('/') ? path.slice(0, -1) : path);
  const unlessProbe =
    (mw: MiddlewareHandler<AgentEnv>): MiddlewareHandler<AgentEnv> =>
    (c, next) =>
      isProbe(c.req.path) ? next() : mw(c, next);

  const now = deps.now ?? Date.now;
  const { rateLimitPerMinute, authFailuresPerMinute } = config.limits;
  let keys: Parameters<typeof accessGuard>[0]['keys'];
  if (config.requireApiKey) {
    const hashes = [...(deps.apiKeyHashes ?? []), ...(config.apiKeyHashes ?? [])];
    if (hashes.length === 0)
      log.warn('requireApiKey is on but no key hashes were given: every call will get 401');
    keys = {
      check: keyCheck(hashes),
      failures: new RateLimiter(authFailuresPerMinute, now),
      failuresPerMinute: authFailuresPerMinute,
    };
  }
  const requests =
    rateLimitPerMinute > 0
      ? { limiter: new RateLimiter(rateLimitPerMinute, now), perMinute: rateLimitPerMinute }
      : undefined;
  // Neither keys nor a rate limit: no guard at all, so the hot path pays nothing.
  if (keys || requests) {
    const guard = accessGuard({
      keys,
      requests,
      clientAddress: (c) => deps.clientAddress?.(c),
      onLimited: () => metrics.rateLimited.inc(),
    });
    app.use('*', unlessProbe(guard));
  }

  const routes = config.basePath === '' ? app : app.basePath(config.basePath);
  registerAbout(routes, rt);
  if (config.endpoints.includes('generate')) registerGenerate(routes, rt);
  registerCustomEndpoints(routes, rt);
  registerMcp(routes, rt);
  registerA2a(routes, rt);
  if (config.endpoints.includes('chat')) registerOpenAiCompat(routes, rt);
  else registerOpenAiCompatOff(routes);
  // Last: a known path asked with another method is a 405 naming the ones it answers.
  answerMethodNotAllowed(app, (c, allow) => {
    throw methodNotAllowed(c.req.method, c.req.path, allow);
  });
  return app;
}

function toolboxOf(config: ResolvedRuntimeConfig, deps: AgentDeps, log: Logger, version: string): Toolbox {
  const toolbox = new Toolbox(config, {
    secrets: deps.toolSecrets ?? (() => undefined),
    fetch: deps.fetch ?? ((input, init) => fetch(input, init)),
    log,
    version,
  });
  const stopping = (deps.lifecycle ?? neverStopping).stopping;
  stopping.addEventListener('abort', () => void toolbox.close(), { once: true });
  return toolbox;
}
