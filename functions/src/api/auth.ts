/**
 * Bearer-token authentication. Tokens are configured only as SHA-256 hex hashes
 * (FLEETPLANE_API_TOKEN_HASHES); the presented token is hashed and compared with each in
 * constant time. A control plane with no hashes configured refuses everything, unless it is
 * the local server, which runs open on loopback.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { UnauthorizedError } from '../core/errors.ts';
import { envValue } from '../wiring/env.ts';

export interface AuthSettings {
  /** Lower-case hex SHA-256 of each accepted token. */
  tokenHashes: string[];
  /** Accept requests without a token when no hashes are configured (local server only). */
  openWhenUnconfigured: boolean;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

export function parseTokenHashes(value: string | undefined): string[] {
  const hashes = (value ?? '')
    .split(',')
    .map((hash) => hash.trim().toLowerCase())
    .filter(Boolean);
  const bad = hashes.find((hash) => !HEX_SHA256.test(hash));
  if (bad !== undefined)
    throw new Error(
      `FLEETPLANE_API_TOKEN_HASHES must hold hex SHA-256 hashes (64 hex digits), comma separated; one entry has ${bad.length} characters`,
    );
  return hashes;
}

export function authFromEnv(
  env: Record<string, string | undefined>,
  openWhenUnconfigured: boolean,
): AuthSettings {
  return {
    tokenHashes: parseTokenHashes(envValue(env, 'FLEETPLANE_API_TOKEN_HASHES')),
    openWhenUnconfigured,
  };
}

export function tokenMatches(token: string, hashes: readonly string[]): boolean {
  const presented = createHash('sha256').update(token).digest();
  let matched = false;
  for (const hash of hashes) matched = timingSafeEqual(presented, Buffer.from(hash, 'hex')) || matched;
  return matched;
}

export function bearerAuth(settings: AuthSettings): MiddlewareHandler {
  return async (c, next) => {
    // A plain `doctl serverless functions invoke` was authenticated by DigitalOcean itself.
    if ((c.env as { trustedInvocation?: boolean } | undefined)?.trustedInvocation === true) return next();
    if (settings.tokenHashes.length === 0) {
      if (settings.openWhenUnconfigured) return next();
      throw new UnauthorizedError(
        'no API tokens are configured (FLEETPLANE_API_TOKEN_HASHES is empty), so every request is refused',
      );
    }
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new UnauthorizedError('send "Authorization: Bearer <token>"');
    if (!tokenMatches(match[1] as string, settings.tokenHashes))
      throw new UnauthorizedError('the bearer token is not valid');
    return next();
  };
}
