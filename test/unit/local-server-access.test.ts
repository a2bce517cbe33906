/**
 * Only its user drives the local server: a web page cannot (cross-site request forgery with a
 * `text/plain` POST, DNS rebinding with a foreign Host), writes must be JSON, and bound beyond
 * loopback without configured tokens it accepts only a token it generated and printed once on
 * stderr. Each case against the server as a process.
 */

import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { type LocalServer, useLocalServer } from '../support/local-server.ts';
import { waitFor } from '../support/wait.ts';

/** A request with any Host header (fetch cannot set one). */
function raw(
  server: LocalServer,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const config = (name: string) => JSON.stringify({ name, customEndpoints: ['summarize'] });

describe('the local server in open mode (loopback, no token)', () => {
  const server = useLocalServer();

  it('refuses the cross-site text/plain POST from a foreign Origin, and stores nothing', async () => {
    const answer = await fetch(`${server().base}/deploy`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://evil.example' },
      body: config('csrf-agent'),
    });
    expect(answer.status).toBe(403);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
    expect(await answer.json()).toMatchObject({ status: 403, title: 'Origin not allowed' });
    const listed = await (await fetch(`${server().base}/deployments`)).json();
    expect(listed.deployments).toEqual([]);
    expect((await fetch(`${server().base}/deployments/csrf-agent`)).status).toBe(404);
    expect(await readdir(server().storeDir)).not.toContain('agents');
  });

  it('refuses a write whose body is not JSON with 415, even without an Origin', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']) {
      const answer = await fetch(`${server().base}/deploy`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body: config('plain-agent'),
      });
      expect(answer.status).toBe(415);
      expect((await answer.json()).detail).toContain('application/json');
    }
    // A body with no Content-Type at all is refused the same way.
    const untyped = await raw(server(), { method: 'POST', path: '/deploy', body: config('plain-agent') });
    expect(untyped.status).toBe(415);
    expect((await fetch(`${server().base}/deployments/plain-agent`)).status).toBe(404);
  });

  it('refuses a request addressed to a foreign Host (DNS rebinding), reads included', async () => {
    for (const method of ['GET', 'POST']) {
      const answer = await raw(server(), {
        method,
        path: method === 'GET' ? '/deployments' : '/deploy',
        headers: { host: 'evil.example:8080', 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: config('rebound-agent') } : {}),
      });
      expect(answer.status).toBe(403);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(answer.body)).toMatchObject({ status: 403, title: 'Host not allowed' });
    }
    expect((await fetch(`${server().base}/deployments/rebound-agent`)).status).toBe(404);
    // The loopback names a browser on this machine uses are served.
    for (const host of [`localhost:${server().port}`, `127.0.0.1:${server().port}`, `[::1]:${server().port}`])
      expect((await raw(server(), { path: '/templates', headers: { host } })).status).toBe(200);
  });

  it('serves a same-origin browser request, and curl-like requests without an Origin', async () => {
    const browser = {
      origin: server().base,
      'sec-fetch-site': 'same-origin',
      'sec-fetch-mode': 'cors',
      'content-type': 'application/json',
    };
    const deployed = await fetch(`${server().base}/deploy`, {
      method: 'POST',
      headers: browser,
      body: config('browser-agent'),
    });
    expect(deployed.status).toBe(201);
    await waitFor('Running', async () => {
      const status = await (await fetch(`${server().base}/deployments/browser-agent`)).json();
      return status.phase === 'Running';
    });
    // The agent's own routes get the same guard: a foreign page cannot spend the model key.
    const foreign = await fetch(`${server().base}/browser-agent/summarize`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'https://evil.example' },
      body: JSON.stringify({ input: 'x' }),
    });
    expect(foreign.status).toBe(403);
    // And the Host allow-list: a rebound name reaches no agent either.
    const rebound = await raw(server(), {
      path: '/browser-agent/health',
      headers: { host: `evil.example:${server().port}` },
    });
    expect([rebound.status, JSON.parse(rebound.body).title]).toEqual([403, 'Host not allowed']);
    // A DELETE without a body needs no Content-Type.
    const deleted = await fetch(`${server().base}/deployments/browser-agent`, {
      method: 'DELETE',
      headers: { origin: server().base },
    });
    expect(deleted.status).toBe(200);
  });
});

describe('the local server bound beyond loopback with no token configured', () => {
  const server = useLocalServer({ env: { HOST: '0.0.0.0' } });

  it('accepts only the token it printed once on stderr, never in its JSON log', async () => {
    const printed = [
      ...server()
        .stderr()
        .matchAll(/^ {2}([0-9a-f]{64})$/gm),
    ].map((match) => match[1]);
    expect(printed).toHaveLength(1);
    const token = printed[0] as string;
    expect(server().stdout()).not.toContain(token);
    expect(server().stdout()).toContain('a bearer token generated for this run');

    expect((await fetch(`${server().base}/deployments`)).status).toBe(401);
    const wrong = await fetch(`${server().base}/deployments`, {
      headers: { authorization: `Bearer ${'0'.repeat(64)}` },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${server().base}/deployments`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(right.status).toBe(200);
    // Health stays public. Host names are not checked once a token is required (a page cannot
    // attach the token), so the server is reachable under its network names. Agents' paths
    // need the token too (test/unit/local-server-agents.test.ts).
    expect((await fetch(`${server().base}/health`)).status).toBe(200);
    const named = await raw(server(), {
      path: '/deployments',
      headers: { host: `fleetplane.lan:${server().port}`, authorization: `Bearer ${token}` },
    });
    expect(named.status).toBe(200);
    expect(server().stdout()).not.toContain(token);
  });
});
