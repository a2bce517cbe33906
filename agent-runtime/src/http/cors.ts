/**
 * Cross-origin calls to an agent, for the platform's web console only: browsers may call the
 * agent from the origins the platform lists (FLEETPLANE_AGENT_CORS_ORIGINS), with the
 * Authorization and Content-Type headers, and read the request id. No list: no CORS headers
 * at all, so no other page can read an agent's answers.
 */
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

export function allowOrigins(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  return cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: ['authorization', 'content-type'],
    exposeHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  });
}

/** The allowed origins from the env var's comma-separated list; each must be an origin. */
export function parseOrigins(value: string | undefined): string[] {
  const origins = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const origin of origins)
    if (new URL(origin).origin !== origin)
      throw new Error(
        `FLEETPLANE_AGENT_CORS_ORIGINS: "${origin}" is not an origin (expected e.g. https://console.example.com)`,
      );
  return origins;
}
