/**
 * The local server's proxy never hands the API's own routes to an agent, even one stored under
 * such a name before the name was reserved: that agent would receive the operator's requests to
 * the route, bearer token included.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentProxy } from './proxy.ts';

let port = 0;
const seenByAgent: { path: string; headers: IncomingHttpHeaders }[] = [];
const agentServer = createServer((request, response) => {
  seenByAgent.push({ path: request.url ?? '', headers: request.headers });
  response.end('from the agent');
});

beforeAll(async () => {
  await new Promise<void>((resolve) => agentServer.listen(0, '127.0.0.1', resolve));
  port = (agentServer.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => agentServer.close(() => resolve())));

describe('the local proxy', () => {
  // Every name has a ready process here, `gc` included: an agent stored before `gc` was reserved.
  const agents = { portOf: () => port, hasAgent: () => true, hasOwnKeys: () => false };
  const api = async (request: Request) => new Response(`from the API: ${new URL(request.url).pathname}`);
  const proxy = agentProxy(
    () => agents,
    api,
    () => ['deploy', 'deployments', 'gc'],
  );
  const get = (path: string) =>
    proxy(new Request(`http://127.0.0.1:8080${path}`, { headers: { authorization: 'Bearer operator' } }));

  it("gives the API's own routes to the API, whatever agent exists", async () => {
    seenByAgent.length = 0;
    expect(await (await get('/gc')).text()).toBe('from the API: /gc');
    expect(await (await get('/deployments/gc')).text()).toBe('from the API: /deployments/gc');
    expect(seenByAgent).toEqual([]);
  });

  it('gives every other first segment to its agent', async () => {
    seenByAgent.length = 0;
    expect(await (await get('/support-bot/health')).text()).toBe('from the agent');
    expect(seenByAgent.map((hit) => hit.path)).toEqual(['/support-bot/health']);
  });
});
