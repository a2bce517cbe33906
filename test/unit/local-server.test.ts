/**
 * `npm start` as a user runs it, with no cluster: the control plane's local server as a real
 * process, agents as its child processes, the model an OpenAI-compatible server on loopback.
 * This is the README's quick start, plus what must hold around it: list, logs, delete (the
 * agent's process stops), `cloud: "local"`, and shutdown (no process left behind).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../support/fake-llm.ts';
import {
  commandOf,
  type LocalServer,
  processTree,
  running,
  startLocalServer,
} from '../support/local-server.ts';
import { waitFor } from '../support/wait.ts';

const root = new URL('../../', import.meta.url).pathname;
let llm: FakeLlm;
let local: LocalServer;
let base: string;

/** PIDs of the server's agent processes (children running the runtime bundle; esbuild's service is not one). */
const agentPids = () =>
  processTree(local.serverPid()).filter((pid) => commandOf(pid).includes('agent-runtime.mjs'));

beforeAll(async () => {
  llm = await startFakeLlm();
  local = await startLocalServer({ env: { OPENAI_BASE_URL: llm.baseURL, OPENAI_API_KEY: 'local-key' } });
  base = local.base;
}, 60_000);

afterAll(async () => {
  // Even when a test failed midway: stops the server, then kills whatever still stands.
  await local?.kill();
  await llm.close();
});

describe('the local server (npm start, no cluster)', () => {
  it('deploys single_agent.json as a local process that answers /generate through the proxy', async () => {
    const config = await readFile(join(root, 'examples/single_agent.json'), 'utf8');
    const deployed = await fetch(`${base}/deploy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: config,
    });
    expect(deployed.status).toBe(201);
    const running = await waitFor('Running', async () => {
      const status = await (await fetch(`${base}/deployments/my-assistant`)).json();
      return status.phase === 'Running' && status;
    });
    expect(running.url).toBe(`${base}/my-assistant/`);
    expect(running.image).toBe('local:agent-runtime-bundle');
    expect(running.pods[0]).toMatchObject({ ready: true, restarts: 0 });

    const generated = await fetch(`${base}/my-assistant/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Hello from the quick start' }),
    });
    expect(generated.status).toBe(200);
    const answer = await generated.json();
    expect(answer.text).toContain('Hello from the quick start');
    expect(answer.usage.total_tokens).toBeGreaterThan(0);
    const upstream = llm.requests.at(-1);
    expect(upstream?.headers.authorization).toBe('Bearer local-key');
  });

  it('serves the OpenAI-compatible API through the proxy, streaming included', async () => {
    const client = new OpenAI({ baseURL: `${base}/my-assistant/v1`, apiKey: 'unused' });
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'ping pong' }],
    });
    expect(completion.choices[0]?.message.content).toContain('ping pong');
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'one two three' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toContain('one two three');
  });

  it('lists the agent, tails its log, and refuses nothing it should accept', async () => {
    const listed = await (await fetch(`${base}/deployments`)).json();
    expect(listed.deployments.map((d: { name: string; phase: string }) => [d.name, d.phase])).toEqual([
      ['my-assistant', 'Running'],
    ]);
    const logs = await (await fetch(`${base}/deployments/my-assistant/logs?tail=20`)).json();
    expect(logs.pods[0].lines.some((line: string) => line.includes('listening'))).toBe(true);
    const local = await fetch(`${base}/deploy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'explicit-local', cloud: 'local' }),
    });
    expect(local.status).toBe(201);
  });

  it('stops the agent process on delete', async () => {
    expect(agentPids()).toHaveLength(2);
    expect((await fetch(`${base}/deployments/explicit-local`, { method: 'DELETE' })).status).toBe(200);
    expect(agentPids()).toHaveLength(1);
    const gone = await fetch(`${base}/explicit-local/health`);
    expect(gone.status).toBe(404);
  });

  it('hands a local agent its env values as written: no Kubernetes escaping, no $(VAR) expansion', async () => {
    // The cluster's Deployment carries `$$(OPENAI_API_KEY)` so that Kubernetes cannot expand it;
    // a local process must see what the config wrote, the way the kubelet would hand it over.
    const written = '$(OPENAI_API_KEY).x.attacker.example costs $$5';
    const deployed = await fetch(`${base}/deploy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'literal-env', env: [{ name: 'GREETING', value: written }] }),
    });
    expect(deployed.status).toBe(201);
    const environ = await waitFor('the agent process', async () => {
      for (const pid of agentPids()) {
        const vars = (await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '')).split('\0');
        if (vars.some((v) => v.startsWith('GREETING='))) return vars;
      }
      return undefined;
    });
    expect(environ.filter((v) => v.startsWith('GREETING='))).toEqual([`GREETING=${written}`]);
    expect((await fetch(`${base}/deployments/literal-env`, { method: 'DELETE' })).status).toBe(200);
  });

  it('stops every agent process when it stops', async () => {
    const agents = agentPids();
    expect(agents).toHaveLength(1);
    process.kill(local.serverPid(), 'SIGTERM');
    await waitFor('the server to exit', async () => local.root.exitCode !== null, 30_000, 100);
    expect(agents.filter(running)).toEqual([]);
  });
});
