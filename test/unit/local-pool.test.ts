/**
 * The pooled tier on the local target, driven through the local server as a process: 50 pooled
 * agents are one pool process (counted from /proc), each answers /generate and streams; one agent
 * flooding leaves another's latency alone; a killed pool process comes back with every agent;
 * an agent moves between tiers under a stream of requests, none of which fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../support/fake-llm.ts';
import { commandOf, type LocalServer, processTree, startLocalServer } from '../support/local-server.ts';
import { waitFor } from '../support/wait.ts';

const AGENTS = 50;
const names = Array.from({ length: AGENTS }, (_, i) => `pooled-${String(i).padStart(2, '0')}`);
const MODEL_LATENCY_MS = 100;
let llm: FakeLlm;
let server: LocalServer;

interface Status {
  name: string;
  tier: string;
  phase: string;
  generation: number;
  pods: { name: string; ready: boolean; restarts: number; servedGeneration?: number }[];
}

const post = (path: string, body: unknown) =>
  fetch(`${server.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const list = async (): Promise<Status[]> =>
  (await (await fetch(`${server.base}/deployments?limit=500`)).json()).deployments;
const statusOf = async (name: string): Promise<Status> =>
  (await fetch(`${server.base}/deployments/${name}`)).json();
const processes = (entry: string) =>
  processTree(server.serverPid()).filter((pid) => commandOf(pid).includes(entry));
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function timedGenerate(name: string): Promise<number> {
  const started = performance.now();
  const res = await post(`/${name}/generate`, { prompt: 'ping' });
  await res.text();
  if (res.status !== 200) throw new Error(`${name} answered ${res.status}`);
  return performance.now() - started;
}

beforeAll(async () => {
  llm = await startFakeLlm({ latencyMs: MODEL_LATENCY_MS, record: false });
  server = await startLocalServer({
    env: {
      OPENAI_BASE_URL: llm.baseURL,
      OPENAI_API_KEY: 'local-key',
      // A small pool, so that a flood would take all of it without per-agent shares.
      FLEETPLANE_POOL_CONCURRENCY: '16',
      FLEETPLANE_POOL_AGENT_CONCURRENCY: '4',
      FLEETPLANE_POOL_AGENT_QUEUE: '8',
    },
  });
}, 60_000);

afterAll(async () => {
  await server?.kill();
  await llm?.close();
});

describe('pooled agents on the local target', () => {
  it(`runs ${AGENTS} pooled agents in one pool process, each answering /generate and streaming`, async () => {
    // Each agent's own rate limit off: what limits a flood here is its share of the pool.
    const deployed = await post('/deploy', {
      agents: names.map((name) => ({ name, tier: 'pooled', limits: { rateLimitPerMinute: 0 } })),
    });
    expect(deployed.status).toBe(201);
    await waitFor(
      `all ${AGENTS} Running`,
      async () => {
        const all = await list();
        return names.every((name) => all.find((a) => a.name === name)?.phase === 'Running');
      },
      60_000,
    );
    expect(processes('agent-pool.mjs')).toHaveLength(1);
    expect(processes('agent-runtime.mjs')).toHaveLength(0);
    const status = await statusOf(names[0] as string);
    expect(status).toMatchObject({ tier: 'pooled', phase: 'Running' });
    expect(status.pods).toEqual([
      expect.objectContaining({ name: 'fleetplane-pool-local', ready: true, servedGeneration: 1 }),
    ]);

    for (const name of names) {
      const answer = await post(`/${name}/generate`, { prompt: `hello ${name}` });
      expect((await answer.json()).text).toBe(`hello ${name}`);
      const streamed = await post(`/${name}/generate`, { prompt: `stream ${name}`, stream: true });
      expect(streamed.headers.get('content-type')).toContain('text/event-stream');
      const text = await streamed.text();
      expect(text).toContain('event: done');
      expect(text).toContain('event: token');
    }
    // Its log is the pool's lines that name it, and only those.
    const logs = await (await fetch(`${server.base}/deployments/${names[0]}/logs?tail=5`)).json();
    expect(logs.pods[0].lines.length).toBeGreaterThan(0);
    for (const line of logs.pods[0].lines) expect(JSON.parse(line).agent).toBe(names[0]);
    // An unknown name is not the pool's: the local server answers it like any unknown path.
    expect((await post('/nobody-here/generate', { prompt: 'x' })).status).toBe(404);
  });

  it("does not let one agent flooding raise another's median latency by more than 2x", async () => {
    const quiet = names[1] as string;
    const flood = names[2] as string;
    for (let i = 0; i < 5; i++) await timedGenerate(quiet); // warm
    const before: number[] = [];
    for (let i = 0; i < 30; i++) before.push(await timedGenerate(quiet));

    let flooding = true;
    const statuses = new Map<number | string, number>();
    const flooder = async () => {
      while (flooding) {
        const res = await post(`/${flood}/generate`, { prompt: 'flood' }).catch((error: Error) => error);
        const status = res instanceof Error ? res.message : res.status;
        if (!(res instanceof Error)) await res.text();
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        // A flooding client that honours nothing but a short pause between refusals.
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const flooders = Array.from({ length: 16 }, flooder);
    const during: number[] = [];
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (let i = 0; i < 30; i++) during.push(await timedGenerate(quiet));
    } finally {
      flooding = false;
      await Promise.all(flooders);
    }

    const ratio = median(during) / median(before);
    console.log(
      `quiet agent p50 ${median(before).toFixed(1)} ms alone, ${median(during).toFixed(1)} ms beside a flood (${ratio.toFixed(2)}x); flood answers ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    // The flood was real: it took its share (200s) and was refused beyond it (429s).
    expect(statuses.get(200) ?? 0).toBeGreaterThan(20);
    expect(statuses.get(429) ?? 0).toBeGreaterThan(0);
    expect([...statuses.keys()].sort()).toEqual([200, 429]);
    expect(ratio).toBeLessThanOrEqual(2);
  });

  it('restarts a killed pool process, and every agent comes back', async () => {
    const [pid] = processes('agent-pool.mjs');
    expect(pid).toBeDefined();
    process.kill(pid as number, 'SIGKILL');
    await waitFor('a new pool process', async () => {
      const now = processes('agent-pool.mjs');
      return now.length === 1 && now[0] !== pid;
    });
    await waitFor(
      'every pooled agent Running again',
      async () => {
        const all = await list();
        return names.every((name) => all.find((a) => a.name === name)?.phase === 'Running');
      },
      60_000,
    );
    const status = await statusOf(names[3] as string);
    expect(status.pods[0]?.restarts).toBe(1);
    for (const name of names) {
      const answer = await post(`/${name}/generate`, { prompt: `back ${name}` });
      expect((await answer.json()).text).toBe(`back ${name}`);
    }
  });

  it('moves an agent between tiers both ways at the same URL with no request failing', async () => {
    const first = await post('/deploy', { name: 'mover', limits: { rateLimitPerMinute: 0 } });
    expect(first.status).toBe(201);
    await waitFor(
      'mover Running on its own process',
      async () => (await statusOf('mover')).phase === 'Running',
    );
    const ownProcesses = () => processes('agent-runtime.mjs').length;
    expect(ownProcesses()).toBe(1);

    let streaming = true;
    const answers: number[] = [];
    const failures: string[] = [];
    const stream = async () => {
      while (streaming) {
        const res = await post('/mover/generate', { prompt: 'still here?' });
        const body = await res.text();
        answers.push(res.status);
        if (res.status !== 200) failures.push(`${res.status} ${body.slice(0, 200)}`);
      }
    };
    const clients = Array.from({ length: 4 }, stream);
    try {
      const toPool = await post('/deploy', {
        name: 'mover',
        tier: 'pooled',
        limits: { rateLimitPerMinute: 0 },
      });
      expect(toPool.status).toBe(200);
      const pooled = await waitFor('mover Running in the pool', async () => {
        const status = await statusOf('mover');
        return status.phase === 'Running' && status;
      });
      expect(pooled).toMatchObject({ tier: 'pooled', generation: 2 });
      await waitFor('its own process gone', async () => ownProcesses() === 0);
      const servedInPool = answers.length;

      const back = await post('/deploy', { name: 'mover', limits: { rateLimitPerMinute: 0 } });
      expect(back.status).toBe(200);
      const home = await waitFor('mover Running on its own process again', async () => {
        const status = await statusOf('mover');
        return status.phase === 'Running' && status;
      });
      expect(home).toMatchObject({ tier: 'dedicated', generation: 3 });
      expect(ownProcesses()).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(answers.length).toBeGreaterThan(servedInPool);
    } finally {
      streaming = false;
      await Promise.all(clients);
    }
    expect(failures).toEqual([]);
    expect(answers.length).toBeGreaterThan(20);
  });
});
