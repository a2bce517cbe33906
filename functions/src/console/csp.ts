/**
 * The console's Content-Security-Policy and companion headers. Everything comes from the
 * control plane's own origin; the only other origin the page may call is where agents answer
 * (the playground), read per request from the platform settings.
 *
 * Pure apart from reading the env object it is given; never widens the policy on request input.
 */

import type { Env } from '../wiring/env.ts';
import { platformSettingsFromEnv } from '../wiring/settings.ts';

/** Origin of the agents' public URLs (FLEETPLANE_PUBLIC_URL, else https://FLEETPLANE_DOMAIN). */
export function agentsOrigin(env: Env): string | undefined {
  try {
    const settings = platformSettingsFromEnv(env);
    return new URL(settings.publicUrl ?? `https://${settings.domain}`).origin;
  } catch {
    // A misconfigured platform must not open the policy; the API reports the setting itself.
    return undefined;
  }
}

export function contentSecurityPolicy(env: Env): string {
  const agents = agentsOrigin(env);
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self'${agents ? ` ${agents}` : ''}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function securityHeaders(env: Env): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(env),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'x-frame-options': 'DENY',
  };
}
