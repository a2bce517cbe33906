/**
 * `npm start` as a user runs it, with no cluster: the control plane's local server as a real
 * process, agents as its child processes, the model an OpenAI-compatible server on loopback.
 * This is the README's quick start, plus what must hold around it: list, logs, delete (the
 * agent's process stops), `cloud: "local"`, and shutdown (no process left behind).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../support/fake-llm.ts';
import { freePort } from '../support/free-port.ts';
import { scratchDir } from '../support/scratch.ts';
import { waitFor } from '../support/wait.ts';

const root = new URL('../../', import.meta.url).pathname;
let llm: FakeLlm;
let server: ChildProcess;
let base: string;

/** PIDs of the server's agent processes (children running the runtime bundle; esbuild's service is not one). */
const childrenOf = (pid: number) =>
  execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('agent-runtime.mjs'))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
    .filter(Boolean);

beforeAll(async () => {
  llm = await startFakeLlm();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const store = await scratchDir('fleetplane-local-');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    FLEETPLANE_STORE: `file://${store}`,
    OPENAI_BASE_URL: llm.baseURL,
    OPENAI_API_KEY: 'local-key',
  };
  server = spawn(process.execPath, [join(root, 'functions/src/local/main.ts')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await waitFor('the local server', async () => (await fetch(`${base}/health`)).ok, 30_000, 100);
}, 60_000);

afterAll(async () => {
  // Even when a test failed midway: stop the server gracefully (it stops its agents), and kill
  // whatever is still standing, agents first, so no process outlives the test.
  if (server.exitCode === null) {
    const agents = childrenOf(server.pid as number);
    server.kill('SIGTERM');
    await waitFor(
      'the server to exit',
      async () => server.exitCode !== null || server.signalCode !== null,
      10_000,
      100,
    ).catch(() => {
      server.kill('SIGKILL');
    });
    for (const pid of agents) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
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
    const before = childrenOf(server.pid as number).length;
    expect(before).toBe(2);
    expect((await fetch(`${base}/deployments/explicit-local`, { method: 'DELETE' })).status).toBe(200);
    await waitFor(
      'one agent process left',
      async () => childrenOf(server.pid as number).length === 1,
      30_000,
      100,
    );
    const gone = await fetch(`${base}/explicit-local/health`);
    expect(gone.status).toBe(404);
  });

  it('stops every agent process when it stops', async () => {
    const agents = childrenOf(server.pid as number);
    expect(agents).toHaveLength(1);
    server.kill('SIGTERM');
    await waitFor('the server to exit', async () => server.exitCode !== null, 30_000, 100);
    const alive = agents.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});
