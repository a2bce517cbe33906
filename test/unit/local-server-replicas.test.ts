/**
 * Replicas on the local target: one process per replica (`replicas`, or `min_replicas` with
 * autoscale), requests balanced round robin over the ready ones, one pod per process in the
 * status, and one lifecycle per agent, so racing applies and deletes leave exactly the
 * processes the agents ask for. Driven through the local server as a process, with the
 * README's multi-agent example.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../support/fake-llm.ts';
import { commandOf, type LocalServer, processTree, startLocalServer } from '../support/local-server.ts';
import { waitFor } from '../support/wait.ts';

const root = new URL('../../', import.meta.url).pathname;
let llm: FakeLlm;
let server: LocalServer;

interface Status {
  name: string;
  phase: string;
  replicas: { desired: number; ready: number; updated: number };
  pods: { name: string; ready: boolean; restarts: number }[];
}

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const list = async (): Promise<Status[]> =>
  (await (await fetch(`${server.base}/deployments`)).json()).deployments;
/** Agent processes running under the server, counted from /proc. */
const agentProcesses = () =>
  processTree(server.serverPid()).filter((pid) => commandOf(pid).includes('agent-runtime.mjs')).length;

beforeAll(async () => {
  llm = await startFakeLlm();
  server = await startLocalServer({ env: { OPENAI_BASE_URL: llm.baseURL, OPENAI_API_KEY: 'local-key' } });
}, 60_000);

afterAll(async () => {
  await server?.kill();
  await llm.close();
});

describe('replicas on the local target', () => {
  it('brings deploy_multiple_agents.json to Running, two processes for each agent that asks for two', async () => {
    const started = performance.now();
    const body = await readFile(join(root, 'examples/deploy_multiple_agents.json'), 'utf8');
    const deployed = await fetch(`${server.base}/deploy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(deployed.status).toBe(201);
    const all = await waitFor(
      'all four Running',
      async () => {
        const agents = await list();
        return agents.length === 4 && agents.every((agent) => agent.phase === 'Running') && agents;
      },
      60_000,
      100,
    );
    console.log(`4 agents Running ${Math.round(performance.now() - started)} ms after POST /deploy`);
    const byName = Object.fromEntries(all.map((agent) => [agent.name, agent]));
    for (const [name, replicas] of [
      ['code-reviewer', 2],
      ['support-bot', 2],
      ['blog-writer', 1],
      ['research-helper', 1],
    ] as const) {
      expect(byName[name]?.replicas).toMatchObject({ desired: replicas, ready: replicas, updated: replicas });
      expect(byName[name]?.pods).toHaveLength(replicas);
      expect(byName[name]?.pods.every((pod) => pod.ready && pod.restarts === 0)).toBe(true);
    }
    expect(agentProcesses()).toBe(6);
  });

  it('balances /generate round robin over both processes of code-reviewer', async () => {
    for (let i = 0; i < 6; i++) {
      const answer = await fetch(`${server.base}/code-reviewer/generate`, json({ prompt: `hello ${i}` }));
      expect(answer.status).toBe(200);
      expect((await answer.json()).text).toContain(`hello ${i}`);
    }
    const logs = await (await fetch(`${server.base}/deployments/code-reviewer/logs?tail=200`)).json();
    const served = Object.fromEntries(
      logs.pods.map((pod: { pod: string; lines: string[] }) => [
        pod.pod,
        pod.lines.filter((line) => line.includes('"path":"/code-reviewer/generate"')).length,
      ]),
    );
    console.log('generate requests served per process:', served);
    expect(Object.values(served)).toEqual([3, 3]);
  });

  it('scales up and down without restarting the processes that stay', async () => {
    const before = (await list()).find((agent) => agent.name === 'blog-writer');
    const first = before?.pods[0]?.name;
    // The example's own config, so only the replica count changes.
    const example = JSON.parse(await readFile(join(root, 'examples/deploy_multiple_agents.json'), 'utf8'));
    const config = example.agents.find((agent: { name: string }) => agent.name === 'blog-writer');
    expect((await fetch(`${server.base}/deploy`, json({ ...config, scaling: { replicas: 3 } }))).status).toBe(
      200,
    );
    const scaled = await waitFor('three ready', async () => {
      const agent = (await list()).find((a) => a.name === 'blog-writer');
      return agent?.phase === 'Running' && agent.replicas.ready === 3 && agent;
    });
    expect(scaled.pods.map((pod) => pod.name)).toContain(first);
    expect(agentProcesses()).toBe(8);
    expect((await fetch(`${server.base}/deploy`, json({ ...config, scaling: { replicas: 1 } }))).status).toBe(
      200,
    );
    const down = (await list()).find((a) => a.name === 'blog-writer');
    expect(down?.pods.map((pod) => pod.name)).toEqual([first]);
    expect(agentProcesses()).toBe(6);
  });

  it('leaves exactly the asked-for processes after racing applies and a delete of one agent', async () => {
    const racing = Array.from({ length: 6 }, (_, i) =>
      fetch(
        `${server.base}/deploy`,
        json({ name: 'racer', temperature: i / 10, scaling: { replicas: 1 + (i % 3) } }),
      ),
    );
    const statuses = (await Promise.all(racing)).map((response) => response.status);
    // Concurrent writers of one agent: each is applied, or loses the store's race with a 409.
    expect(statuses.every((status) => [200, 201, 409].includes(status))).toBe(true);
    const settled = await waitFor('racer Running', async () => {
      const agent = (await list()).find((a) => a.name === 'racer');
      return agent?.phase === 'Running' && agent;
    });
    expect(settled.pods).toHaveLength(settled.replicas.desired);
    expect(agentProcesses()).toBe(6 + settled.replicas.desired);

    const deleting = fetch(`${server.base}/deployments/racer`, { method: 'DELETE' });
    const redeploy = fetch(`${server.base}/deploy`, json({ name: 'racer', scaling: { replicas: 2 } }));
    const [deleted, redeployed] = await Promise.all([deleting, redeploy]);
    console.log(
      `racing deploys answered ${statuses.join(', ')}; delete racing a deploy: ${deleted.status}, ${redeployed.status}`,
    );
    expect([200, 202, 404, 409]).toContain(deleted.status);
    expect([200, 201, 409]).toContain(redeployed.status);
    // Whichever won, the processes match what the store now says: none, or the redeploy's two.
    const stored = await fetch(`${server.base}/deployments/racer`);
    if (stored.status === 404) {
      await waitFor('no racer process', async () => agentProcesses() === 6);
    } else {
      await waitFor('racer Running', async () => {
        const agent = (await list()).find((a) => a.name === 'racer');
        return agent?.phase === 'Running' && agent.pods.length === 2;
      });
      expect(agentProcesses()).toBe(8);
      expect((await fetch(`${server.base}/deployments/racer`, { method: 'DELETE' })).status).toBe(200);
    }
    expect(agentProcesses()).toBe(6);
  });

  it('removes a deleted agent’s directory and stops its processes', async () => {
    const dir = join(server.storeDir, 'local', 'agents', 'support-bot');
    expect(existsSync(join(dir, 'agent.json'))).toBe(true);
    expect((await fetch(`${server.base}/deployments/support-bot`, { method: 'DELETE' })).status).toBe(200);
    expect(existsSync(dir)).toBe(false);
    expect(agentProcesses()).toBe(4);
    const gone = await fetch(`${server.base}/support-bot/health`);
    expect(gone.status).toBe(404);
  });
});
