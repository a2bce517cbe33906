import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { bearerAuth, parseTokenHashes, tokenMatches } from './auth.ts';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

describe('tokens', () => {
  it('match only the hashed tokens', () => {
    const hashes = [hash('alpha'), hash('beta')];
    expect(tokenMatches('beta', hashes)).toBe(true);
    expect(tokenMatches('gamma', hashes)).toBe(false);
    expect(tokenMatches('', hashes)).toBe(false);
  });

  it('are configured as hex SHA-256, with a clear error otherwise (that never echoes the value)', () => {
    expect(parseTokenHashes(` ${hash('a').toUpperCase()} ,,${hash('b')}`)).toEqual([hash('a'), hash('b')]);
    expect(parseTokenHashes(undefined)).toEqual([]);
    expect(() => parseTokenHashes('my-plain-token')).toThrow(/64 hex digits.*14 characters/);
    expect(() => parseTokenHashes('my-plain-token')).not.toThrow(/my-plain-token/);
  });
});

describe('the middleware', () => {
  const app = (tokenHashes: string[], openWhenUnconfigured = false) => {
    const hono = new Hono();
    hono.use(bearerAuth({ tokenHashes, openWhenUnconfigured }));
    hono.get('/', (c) => c.text('ok'));
    hono.onError((error) => new Response(error.message, { status: 401 }));
    return hono;
  };

  it('accepts a valid bearer token and refuses others', async () => {
    const secured = app([hash('t0ken')]);
    expect((await secured.request('/', { headers: { authorization: 'Bearer t0ken' } })).status).toBe(200);
    expect((await secured.request('/', { headers: { authorization: 'bearer t0ken' } })).status).toBe(200);
    expect((await secured.request('/', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await secured.request('/')).status).toBe(401);
  });

  it('fails closed without configured tokens, unless told to run open (the local server)', async () => {
    expect((await app([]).request('/')).status).toBe(401);
    expect(await (await app([]).request('/')).text()).toMatch(/no API tokens are configured/);
    expect((await app([], true).request('/')).status).toBe(200);
  });
});
