import { describe, expect, it } from 'vitest';
import { isLoopbackName, jsonWrites, loopbackOnly } from './request-guards.ts';

const passed = () => new Response('passed');
const statusOf = async (guard: typeof jsonWrites, init: RequestInit & { url?: string }) =>
  (await guard(passed)(new Request(init.url ?? 'http://127.0.0.1:8080/deploy', init))).status;

describe('isLoopbackName', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST', true],
    ['app.localhost', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['::1', true],
    ['[::1]', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.10', false],
    ['evil.example', false],
    ['localhost.evil.example', false],
    ['127.0.0.1.evil.example', false],
    ['', false],
  ])('%s -> %s', (name, loopback) => {
    expect(isLoopbackName(name)).toBe(loopback);
  });
});

describe('loopbackOnly (open mode)', () => {
  const host = (value: string, origin?: string) =>
    statusOf(loopbackOnly, { headers: { host: value, ...(origin !== undefined ? { origin } : {}) } });

  it('passes loopback hosts with no Origin or their own', async () => {
    expect(await host('127.0.0.1:8080')).toBe(200);
    expect(await host('localhost:8080', 'http://localhost:8080')).toBe(200);
    expect(await host('[::1]:8080', 'http://[::1]:8080')).toBe(200);
  });

  it('refuses foreign hosts, foreign origins, and the opaque origin of sandboxed pages', async () => {
    expect(await host('evil.example:8080')).toBe(403);
    expect(await host('evil.example')).toBe(403);
    expect(await host('127.0.0.1:8080', 'https://evil.example')).toBe(403);
    expect(await host('127.0.0.1:8080', 'http://127.0.0.1:3000')).toBe(403);
    expect(await host('127.0.0.1:8080', 'http://localhost:8080')).toBe(403);
    expect(await host('127.0.0.1:8080', 'null')).toBe(403);
  });
});

describe('jsonWrites', () => {
  it('passes reads, JSON writes and writes without a body', async () => {
    expect(await statusOf(jsonWrites, { method: 'GET' })).toBe(200);
    expect(
      await statusOf(jsonWrites, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: '{}',
      }),
    ).toBe(200);
    expect(
      await statusOf(jsonWrites, {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: '{}',
      }),
    ).toBe(200);
    expect(await statusOf(jsonWrites, { method: 'DELETE' })).toBe(200);
    expect(
      await statusOf(jsonWrites, { method: 'POST', url: 'http://127.0.0.1:8080/deployments/a/rollback' }),
    ).toBe(200);
  });

  it('refuses other media types with 415 and a problem that says what to send', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/jsonp',
      'text/json',
    ]) {
      const answer = await jsonWrites(passed)(
        new Request('http://127.0.0.1:8080/deploy', {
          method: 'POST',
          headers: { 'content-type': type },
          body: '{}',
        }),
      );
      expect(answer.status).toBe(415);
      expect(answer.headers.get('content-type')).toBe('application/problem+json');
      expect((await answer.json()).detail).toContain('Content-Type: application/json');
    }
    expect(
      await statusOf(jsonWrites, { method: 'DELETE', headers: { 'content-type': 'text/plain' }, body: 'x' }),
    ).toBe(415);
  });
});
