import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeLlm } from '../../test/support/fake-llm.ts';
import { scratchDir } from '../../test/support/scratch.ts';
import { bundleRuntime } from '../build.ts';
import { createAgentApp } from '../src/index.ts';
import { agentConfig, parseSse, post, startAgent } from './helpers.ts';

const slowStream = (n: number, delayMs: number) => ({
  chunkDelayMs: delayMs,
  chunks: Array.from({ length: n }, (_, i) => `w${i} `),
});

describe('graceful shutdown (in process)', () => {
  it('stops accepting, lets an in-flight stream finish, then closes', async () => {
    const agent = await startAgent(agentConfig(), {}, { graceMs: 5_000 });
    agent.fake.script(slowStream(8, 60));
    const res = await post(`${agent.url}/generate`, { prompt: 'x', stream: true });
    const body = res.text();
    await new Promise((r) => setTimeout(r, 100));
    const stopped = agent.shutdown();
    await expect(fetch(`${agent.url}/health`)).rejects.toThrow();
    const { events } = parseSse(await body);
    expect(events.at(-1)?.event).toBe('done');
    expect(events.filter((e) => e.event === 'token')).toHaveLength(8);
    await stopped;
    await agent.fake.close();
  });

  it('ends streams that outlive the grace period with an error event and aborts upstream', async () => {
    const agent = await startAgent(agentConfig(), {}, { graceMs: 300 });
    agent.fake.script(slowStream(100, 50));
    const res = await post(`${agent.url}/generate`, { prompt: 'x', stream: true });
    const body = res.text();
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await agent.shutdown();
    expect(Date.now() - started).toBeLessThan(1_500);
    const { events } = parseSse(await body);
    expect(events.at(-1)).toMatchObject({ event: 'error' });
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({
      status: 503,
      detail: expect.stringMatching(/shutting down/),
    });
    await expect.poll(() => agent.fake.requests.at(-1)?.aborted).toBe(true);
    await agent.fake.close();
  });

  it('fails readiness while draining, but not liveness', async () => {
    const fake = await startFakeLlm();
    const { createOpenAiModel } = await import('../src/llm/openai-model.ts');
    const app = createAgentApp(agentConfig(), {
      model: createOpenAiModel({ apiKey: 'k', baseURL: fake.baseURL }),
      lifecycle: { draining: true, stopping: new AbortController().signal },
      log: () => {},
    });
    const ready = await app.request('/my-assistant/ready');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('1');
    expect((await app.request('/my-assistant/health')).status).toBe(200);
    await fake.close();
  });
});

describe('the bundle as the local target and the image run it', () => {
  let bundlePath: string;
  let configPath: string;
  beforeAll(async () => {
    bundlePath = (await bundleRuntime()).path;
    const dir = await scratchDir('fp-agent-');
    configPath = join(dir, 'agent.json');
    await writeFile(configPath, JSON.stringify(agentConfig()));
  });

  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });

  async function spawnAgent(env: Record<string, string>) {
    const child = spawn(process.execPath, [bundlePath], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const lines: Record<string, unknown>[] = [];
    let buffer = '';
    const listening = new Promise<{ port: number }>((resolve, reject) => {
      child.stdout!.on('data', (data: Buffer) => {
        buffer += data.toString();
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = JSON.parse(buffer.slice(0, nl));
          lines.push(line);
          if (line.msg === 'listening') resolve(line);
          buffer = buffer.slice(nl + 1);
          nl = buffer.indexOf('\n');
        }
      });
      child.once('exit', (code) => reject(new Error(`agent exited with ${code} before listening`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { child, lines, listening, exited };
  }

  it('drains a stream in flight on SIGTERM and exits 0', async () => {
    const fake = await startFakeLlm({ apiKey: 'sk-bundle' });
    fake.script(slowStream(10, 50));
    const agent = await spawnAgent({
      FLEETPLANE_AGENT_CONFIG: configPath,
      PORT: '0',
      HOST: '127.0.0.1',
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_API_KEY: 'sk-bundle',
    });
    const { port } = await agent.listening;
    const res = await post(`http://127.0.0.1:${port}/my-assistant/generate`, { prompt: 'x', stream: true });
    const body = res.text();
    await new Promise((r) => setTimeout(r, 100));
    agent.child.kill('SIGTERM');
    const { events } = parseSse(await body);
    expect(events.filter((e) => e.event === 'token')).toHaveLength(10);
    expect(events.at(-1)?.event).toBe('done');
    expect(await agent.exited).toBe(0);
    expect(agent.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['listening', 'shutting down', 'stopped']),
    );
    expect(JSON.stringify(agent.lines)).not.toContain('sk-bundle');
    await fake.close();
  });

  it('exits 1 with the reason when the config file is invalid', async () => {
    const bad = join(configPath, '..', 'bad.json');
    await writeFile(bad, JSON.stringify({ ...agentConfig(), temperature: 7 }));
    const agent = await spawnAgent({ FLEETPLANE_AGENT_CONFIG: bad, PORT: '0' });
    agent.listening.catch(() => {});
    expect(await agent.exited).toBe(1);
    expect(agent.lines[0]).toMatchObject({ level: 'error', msg: 'agent config rejected' });
    expect(String(agent.lines[0]?.detail)).toContain('temperature: must be at most 2 (got number 7)');
  });

  it('exits 1 naming the variable when the trusted proxies cannot be parsed', async () => {
    const agent = await spawnAgent({
      FLEETPLANE_AGENT_CONFIG: configPath,
      PORT: '0',
      FLEETPLANE_AGENT_TRUSTED_PROXIES: '10.0.0.0/8, ingress',
    });
    agent.listening.catch(() => {});
    expect(await agent.exited).toBe(1);
    expect(agent.lines[0]).toMatchObject({ level: 'error', msg: 'agent settings rejected' });
    expect(String(agent.lines[0]?.detail)).toBe(
      'FLEETPLANE_AGENT_TRUSTED_PROXIES: "ingress" is not an IP address or CIDR (expected e.g. 10.244.0.0/16 or 127.0.0.1)',
    );
  });
});
