/**
 * Bearer-token authentication, and the token's scope on every request. Tokens are configured
 * only as SHA-256 hex hashes in FLEETPLANE_API_TOKEN_HASHES, each optionally scoped:
 * `HEX` (admin, as before scopes existed), `HEX@ROLE` (every name) or `HEX@ROLE:GLOB`, with
 * ROLE admin | deployer | viewer. The presented token is hashed and compared with every entry
 * in constant time; the matching entry's scope goes on the request for the routes, which ask
 * `authorize` before they act (the rules themselves are core/token-scope.ts).
 *
 * A control plane with no hashes configured refuses everything, unless it is the local server,
 * which runs open on loopback (as admin).
 *
 * WARNING: never echo a configured hash or a presented token, in an error or a log.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { ForbiddenError, SettingsError, UnauthorizedError } from '../core/errors.ts';
import {
  ADMIN_SCOPE,
  NAME_GLOB,
  ROLES,
  type Role,
  refusalOf,
  type TokenScope,
  type Verb,
} from '../core/token-scope.ts';
import { envValue } from '../wiring/env.ts';

/** One accepted token: its hash and what it may do. */
export interface TokenEntry {
  /** Lower-case hex SHA-256 of the token. */
  hash: string;
  scope: TokenScope;
}

export interface AuthSettings {
  tokens: TokenEntry[];
  /** Accept requests without a token when no hashes are configured (local server only). */
  openWhenUnconfigured: boolean;
  /** The setting is malformed: every guarded request answers this (500, naming the setting). */
  misconfigured?: SettingsError;
}

/** Who is asking: the scope, and how the request came to hold it. */
export interface Caller {
  scope: TokenScope;
  via: 'token' | 'open' | 'invocation';
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by bearerAuth on every request that passed it. */
    caller: Caller;
  }
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;
const SETTING = 'FLEETPLANE_API_TOKEN_HASHES';

function parseEntry(entry: string, position: number): TokenEntry {
  const at = entry.indexOf('@');
  const hash = (at === -1 ? entry : entry.slice(0, at)).toLowerCase();
  const where = `${SETTING} entry ${position}`;
  if (!HEX_SHA256.test(hash))
    throw new SettingsError(
      `${where} must start with a hex SHA-256 hash (64 hex digits), optionally followed by @ROLE:GLOB; it has ${hash.length} characters before any @`,
    );
  if (at === -1) return { hash, scope: ADMIN_SCOPE };
  const [role = '', names = '*', ...extra] = entry.slice(at + 1).split(':');
  if (!ROLES.includes(role as Role))
    throw new SettingsError(
      `${where}: the role after @ must be one of ${ROLES.join(', ')} (got ${JSON.stringify(role)})`,
    );
  if (extra.length || !NAME_GLOB.test(names))
    throw new SettingsError(
      `${where}: the glob after ${role}: must be agent-name characters (a-z, 0-9, -) and * only, such as team-a-* (got ${JSON.stringify(entry.slice(at + role.length + 2))})`,
    );
  if (role === 'admin' && names !== '*')
    throw new SettingsError(
      `${where}: an admin acts on every agent and on the whole fleet, so its glob can only be * (got ${JSON.stringify(names)}); for a token limited to some names use deployer:${names} or viewer:${names}`,
    );
  return { hash, scope: { role: role as Role, names } };
}

/** The entries of FLEETPLANE_API_TOKEN_HASHES; a SettingsError names what is wrong and where. */
export function parseTokenEntries(value: string | undefined): TokenEntry[] {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, index) => parseEntry(entry, index + 1));
  entries.forEach((entry, index) => {
    const first = entries.findIndex((other) => other.hash === entry.hash);
    if (first !== index)
      throw new SettingsError(
        `${SETTING} entries ${first + 1} and ${index + 1} have the same hash: one token can have one scope only`,
      );
  });
  return entries;
}

/** The settings; a malformed FLEETPLANE_API_TOKEN_HASHES throws (the local server stops at start). */
export function authFromEnv(
  env: Record<string, string | undefined>,
  openWhenUnconfigured: boolean,
): AuthSettings {
  return { tokens: parseTokenEntries(envValue(env, SETTING)), openWhenUnconfigured };
}

/**
 * For functions, which have no start to stop at: a malformed setting refuses every guarded
 * request with a 500 that names it, while the public routes (health, docs) keep answering.
 */
export function authFromEnvOrRefuseAll(env: Record<string, string | undefined>): AuthSettings {
  try {
    return authFromEnv(env, false);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    return { tokens: [], openWhenUnconfigured: false, misconfigured: error };
  }
}

/** The entry whose hash is the token's; every entry is compared, in constant time each. */
export function matchToken(token: string, tokens: readonly TokenEntry[]): TokenEntry | undefined {
  const presented = createHash('sha256').update(token).digest();
  let matched: TokenEntry | undefined;
  for (const entry of tokens) if (timingSafeEqual(presented, Buffer.from(entry.hash, 'hex'))) matched = entry;
  return matched;
}

/** The bearer token of an Authorization header value, if it holds one. */
export function bearerOf(header: string | null | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

export function bearerAuth(settings: AuthSettings): MiddlewareHandler {
  return async (c, next) => {
    // A plain `doctl serverless functions invoke` was authenticated by DigitalOcean itself.
    if ((c.env as { trustedInvocation?: boolean } | undefined)?.trustedInvocation === true) {
      c.set('caller', { scope: ADMIN_SCOPE, via: 'invocation' });
      return next();
    }
    if (settings.misconfigured) throw settings.misconfigured;
    if (settings.tokens.length === 0) {
      if (!settings.openWhenUnconfigured)
        throw new UnauthorizedError(
          `no API tokens are configured (${SETTING} is empty), so every request is refused`,
        );
      c.set('caller', { scope: ADMIN_SCOPE, via: 'open' });
      return next();
    }
    const token = bearerOf(c.req.header('authorization'));
    if (token === undefined) throw new UnauthorizedError('send "Authorization: Bearer <token>"');
    const entry = matchToken(token, settings.tokens);
    if (!entry) throw new UnauthorizedError('the bearer token is not valid');
    c.set('caller', { scope: entry.scope, via: 'token' });
    return next();
  };
}

/** The request's caller; only routes behind bearerAuth may ask. */
export function callerOf(c: Context): Caller {
  const caller = c.get('caller');
  if (!caller) throw new Error('callerOf: this route is not behind bearerAuth');
  return caller;
}

/**
 * The caller's scope, once it may do `verb` to every agent named (ForbiddenError otherwise,
 * naming the scope and the rule). The scope then goes to the control plane with the write.
 */
export function authorize(c: Context, verb: Verb, names: readonly string[] = []): TokenScope {
  const { scope } = callerOf(c);
  const refused = refusalOf(scope, verb, names);
  if (refused) throw new ForbiddenError(refused);
  return scope;
}
