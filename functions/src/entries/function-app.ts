/**
 * The app one DigitalOcean Function serves: only its own route groups, built on the first
 * invocation (env is read then, not at module load) and reused while the function is warm.
 * Functions never run open: no token hashes configured means every web request gets 401.
 *
 * The environment wiring (and with it zod, the control plane, the SDKs) is imported on the
 * first request that needs it, never at cold start.
 */
import type { Hono } from 'hono';
import { createApp } from '../api/app.ts';
import { authFromEnvOrRefuseAll } from '../api/auth.ts';
import { jsonLogger, type Logger, type LogLevel } from '../lib/logger.ts';
import { type Env, envValue } from '../wiring/env.ts';
import type { Providers } from '../wiring/providers.ts';
import type { FetchApp } from './do-adapter.ts';

/** The providers of wiring/providers.ts, loaded on first use. */
export function lazyProviders(env: Env, log?: Logger): Pick<Providers, 'controlPlane' | 'health'> {
  let providers: Promise<Providers> | undefined;
  const load = () => {
    providers ??= import('../wiring/providers.ts').then(({ providersFromEnv }) =>
      providersFromEnv(env, log ? { log } : {}),
    );
    return providers;
  };
  return {
    controlPlane: async () => (await load()).controlPlane(),
    health: async () => (await load()).health(),
  };
}

export function functionApp(
  routes: (providers: ReturnType<typeof lazyProviders>, log: Logger) => Hono[],
): () => FetchApp {
  let app: FetchApp | undefined;
  return () => {
    if (app) return app;
    const env = process.env;
    const log = jsonLogger((envValue(env, 'FLEETPLANE_LOG_LEVEL') as LogLevel | undefined) ?? 'info');
    const hono = createApp({
      auth: authFromEnvOrRefuseAll(env),
      log,
      routes: routes(lazyProviders(env, log), log),
    });
    app = (request, invocation) => hono.fetch(request, invocation);
    return app;
  };
}
