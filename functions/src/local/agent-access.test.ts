import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTokenEntries } from '../api/auth.ts';
import { agentCallGuard } from './agent-access.ts';
import { agentProxy } from './proxy.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const guard = agentCallGuard(parseTokenEntries(`${sha256('admin')},${sha256('team')}@deployer:team-*`));

/** A real upstream standing for an agent process: it records the headers it was sent. */
const seen: IncomingHttpHeaders[] = [];
const upstream = createServer((request, response) => {
  seen.push(request.headers);
  response.end('agent answered');
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  port = (upstream.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

const proxy = agentProxy(
  () => ({
    portOf: () => port,
    hasAgent: (agent) => ['team-x', 'other', 'keyed'].includes(agent),
    hasOwnKeys: (agent) => agent === 'keyed',
  }),
  () => new Response('the API', { status: 404 }),
  () => [],
  guard,
);
const call = (agent: string, authorization?: string) =>
  proxy(
    new Request(`http://127.0.0.1:8080/${agent}/generate`, {
      method: 'POST',
      headers: authorization ? { authorization } : {},
      body: '{}',
    }),
  );

describe('calls to agents through a server that needs a token', () => {
  it('forward a call with a token whose scope reaches the agent, without the token', async () => {
    seen.length = 0;
    const answer = await call('team-x', 'Bearer team');
    expect([answer.status, await answer.text()]).toEqual([200, 'agent answered']);
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toHaveProperty('authorization');
  });

  it('refuse a call with no token, a wrong one, or one whose scope does not reach the agent; the agent sees none', async () => {
    seen.length = 0;
    expect((await call('team-x')).status).toBe(401);
    expect((await call('team-x', 'Bearer wrong')).status).toBe(401);
    const outside = await call('other', 'Bearer team');
    expect(outside.status).toBe(403);
    expect((await outside.json()).detail).toMatch(/scope is deployer:team-\* .*may not call "other"/);
    expect(seen).toEqual([]);
  });

  it("leave an agent with keys of its own to check them: its key passes through, the server's token never does", async () => {
    seen.length = 0;
    await call('keyed', 'Bearer the-agents-key');
    await call('keyed', 'Bearer admin');
    await call('keyed');
    expect(seen.map((headers) => headers.authorization)).toEqual([
      'Bearer the-agents-key',
      undefined,
      undefined,
    ]);
  });

  it('pass paths that are not agents to the API', async () => {
    expect((await call('deployments')).status).toBe(404);
    expect(await (await call('deployments')).text()).toBe('the API');
  });
});
