import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { SettingsError } from '../core/errors.ts';
import { ADMIN_SCOPE } from '../core/token-scope.ts';
import { silentLogger } from '../lib/logger.ts';
import { createApp } from './app.ts';
import {
  authFromEnvOrRefuseAll,
  authorize,
  bearerAuth,
  callerOf,
  matchToken,
  parseTokenEntries,
  type TokenEntry,
} from './auth.ts';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

describe('token entries', () => {
  it('match only the hashed tokens, and give the matching entry', () => {
    const entries = parseTokenEntries(`${hash('alpha')},${hash('beta')}@viewer:team-*`);
    expect(matchToken('beta', entries)?.scope).toEqual({ role: 'viewer', names: 'team-*' });
    expect(matchToken('alpha', entries)?.scope).toEqual(ADMIN_SCOPE);
    expect(matchToken('gamma', entries)).toBeUndefined();
    expect(matchToken('', entries)).toBeUndefined();
  });

  it('read a bare hash as admin (as before scopes), HEX@ROLE as every name, HEX@ROLE:GLOB as those names', () => {
    expect(parseTokenEntries(` ${hash('a').toUpperCase()} ,,${hash('b')}@deployer:team-a-*`)).toEqual([
      { hash: hash('a'), scope: { role: 'admin', names: '*' } },
      { hash: hash('b'), scope: { role: 'deployer', names: 'team-a-*' } },
    ]);
    expect(parseTokenEntries(`${hash('v')}@viewer`)).toEqual([
      { hash: hash('v'), scope: { role: 'viewer', names: '*' } },
    ]);
    expect(parseTokenEntries(`${hash('x')}@admin:*`)[0]?.scope).toEqual(ADMIN_SCOPE);
    expect(parseTokenEntries(undefined)).toEqual([]);
  });

  it('refuse malformed entries with a SettingsError naming the entry and the rule, never the hash or a token', () => {
    const refused = (value: string) => {
      try {
        parseTokenEntries(value);
      } catch (error) {
        expect(error).toBeInstanceOf(SettingsError);
        return (error as Error).message;
      }
      throw new Error(`accepted ${value}`);
    };
    expect(refused('my-plain-token')).toMatch(/entry 1 must start with a hex SHA-256 hash.*14 characters/);
    expect(refused('my-plain-token')).not.toMatch(/my-plain-token/);
    expect(refused(`${hash('a')},${hash('b')}@writer:x`)).toMatch(
      /entry 2: the role after @ must be one of admin, deployer, viewer \(got "writer"\)/,
    );
    expect(refused(`${hash('a')}@deployer:Team_A`)).toMatch(
      /glob after deployer: must be agent-name characters/,
    );
    expect(refused(`${hash('a')}@deployer:a:b`)).toMatch(/glob after deployer:/);
    expect(refused(`${hash('a')}@admin:team-*`)).toMatch(
      /admin .* its glob can only be \*.*deployer:team-\*/,
    );
    expect(refused(`${hash('a')},${hash('a')}@viewer`)).toMatch(/entries 1 and 2 have the same hash/);
    for (const message of [refused(`${hash('a')}@writer`), refused(`${hash('a')},${hash('a')}`)])
      expect(message).not.toContain(hash('a'));
  });
});

describe('the middleware', () => {
  const app = (tokens: TokenEntry[], openWhenUnconfigured = false, env?: object) => {
    const hono = new Hono();
    hono.use(bearerAuth({ tokens, openWhenUnconfigured }));
    hono.get('/', (c) => c.json(callerOf(c)));
    hono.get('/agents/:name', (c) => c.json(authorize(c, 'get', [c.req.param('name')])));
    hono.onError(
      (error) => new Response(error.message, { status: error.name === 'ForbiddenError' ? 403 : 401 }),
    );
    return { request: (path: string, init?: RequestInit) => hono.request(path, init, env) };
  };
  const entries = parseTokenEntries(`${hash('t0ken')},${hash('team')}@viewer:team-a-*`);
  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  it('accepts a valid bearer token, with its scope on the request, and refuses others', async () => {
    const secured = app(entries);
    const admin = await secured.request('/', bearer('t0ken'));
    expect([admin.status, await admin.json()]).toEqual([200, { scope: ADMIN_SCOPE, via: 'token' }]);
    expect((await secured.request('/', { headers: { authorization: 'bearer t0ken' } })).status).toBe(200);
    expect(await (await secured.request('/', bearer('team'))).json()).toEqual({
      scope: { role: 'viewer', names: 'team-a-*' },
      via: 'token',
    });
    expect((await secured.request('/', bearer('wrong'))).status).toBe(401);
    expect((await secured.request('/')).status).toBe(401);
  });

  it('lets a route ask the scope: a name outside it is a 403 naming the scope', async () => {
    const secured = app(entries);
    expect((await secured.request('/agents/team-a-x', bearer('team'))).status).toBe(200);
    const outside = await secured.request('/agents/team-b-x', bearer('team'));
    expect(outside.status).toBe(403);
    expect(await outside.text()).toMatch(/this token's scope is viewer:team-a-\*.*may not get "team-b-x"/);
    expect((await secured.request('/agents/team-b-x', bearer('t0ken'))).status).toBe(200);
  });

  it('fails closed without configured tokens, unless told to run open (the local server, as admin)', async () => {
    expect((await app([]).request('/')).status).toBe(401);
    expect(await (await app([]).request('/')).text()).toMatch(/no API tokens are configured/);
    const open = await app([], true).request('/');
    expect([open.status, await open.json()]).toEqual([200, { scope: ADMIN_SCOPE, via: 'open' }]);
  });

  it('treats a DigitalOcean invocation (authenticated by the platform) as admin', async () => {
    const invoked = await app(entries, false, { trustedInvocation: true }).request('/');
    expect(await invoked.json()).toEqual({ scope: ADMIN_SCOPE, via: 'invocation' });
  });
});

describe('a malformed setting in a function', () => {
  it('answers every guarded request 500 naming the setting, and keeps the public routes', async () => {
    const app = createApp({
      auth: authFromEnvOrRefuseAll({ FLEETPLANE_API_TOKEN_HASHES: `${hash('a')}@owner:*` }),
      log: silentLogger,
      routes: [new Hono().get('/health', (c) => c.text('ok')).get('/deployments', (c) => c.text('listed'))],
    });
    const guarded = await app.request('/deployments', { headers: { authorization: 'Bearer a' } });
    expect(guarded.status).toBe(500);
    expect(await guarded.json()).toMatchObject({
      type: 'https://fleetplane.io/problems/misconfigured',
      detail:
        'FLEETPLANE_API_TOKEN_HASHES entry 1: the role after @ must be one of admin, deployer, viewer (got "owner")',
    });
    expect((await app.request('/health')).status).toBe(200);
  });
});
