/**
 * Memory of the pooled tier on the local target: one pool process (agent-pool.mjs, fed over IPC
 * as the local server feeds it) serving 1,000 pooled agents, its resident set (VmRSS from /proc)
 * when idle after loading them and at its highest under a light load across all of them (three
 * requests per agent: two /generate and one stream); against 1,000 times the resident set of one
 * dedicated agent process (agent-runtime.mjs), measured in the same run, idle and after the same
 * three requests. The model is the fake OpenAI-compatible server in this process.
 * Must never leave a process behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleRuntime } from '../../../agent-runtime/build.ts';
import {
  isPoolReportMessage,
  POOL_NODE_FLAGS,
  type PoolConfigsMessage,
  type PoolReport,
} from '../../../agent-runtime/src/pool/contract.ts';
import { runtimeConfigOf, validateAgentConfig } from '../../../functions/src/core/agent-spec.ts';
import { REPO_ROOT } from '../../env/state.ts';
import { type FakeLlm, startFakeLlm } from '../../support/fake-llm.ts';
import type { Section } from '../lib/section.ts';
import { median } from '../lib/stats.ts';

const AGENTS = 1000;
const GOAL_BYTES = 256 * 1024 * 1024;
const LOAD_CONCURRENCY = 16;

/** The resident set of a process, in bytes. */
function rss(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The median of a few readings a moment apart: idle, after what came before settled. */
async function idleRss(pid: number): Promise<number> {
  await sleep(2_000);
  const readings: number[] = [];
  for (let i = 0; i < 5; i++) {
    readings.push(rss(pid));
    await sleep(200);
  }
  return median(readings);
}

/** The runtime config the platform renders for agent `name` (a pooled one: the template's defaults). */
function configOf(name: string): string {
  const checked = validateAgentConfig({ name, tier: 'pooled', limits: { rateLimitPerMinute: 0 } });
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return JSON.stringify(runtimeConfigOf(checked.spec));
}

interface Child {
  process: ChildProcess;
  pid: number;
  port: number;
  stop(): Promise<void>;
}

async function start(
  args: string[],
  env: Record<string, string>,
  onMessage?: (m: unknown) => void,
): Promise<Child> {
  const bundle = args.at(-1) as string;
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message.type === 'listening') resolve(message.port as number);
      else onMessage?.(message);
    });
    child.once('exit', (code) => reject(new Error(`${bundle} exited with ${code}`)));
  });
  return {
    process: child,
    pid: child.pid as number,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/** Three requests to one agent: two answers and a stream, bodies read whole. */
async function lightLoad(base: string, name: string): Promise<void> {
  for (const body of [
    { prompt: `hello ${name}` },
    { prompt: 'again' },
    { prompt: 'stream it', stream: true },
  ]) {
    const res = await fetch(`${base}/${name}/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await res.text();
    if (res.status !== 200) throw new Error(`${name} answered ${res.status}`);
  }
}

async function measureDedicated(bundle: string, fake: FakeLlm, dir: string) {
  const path = join(dir, 'dedicated.json');
  await writeFile(path, configOf('solo'));
  const agent = await start([bundle], {
    FLEETPLANE_AGENT_CONFIG: path,
    OPENAI_BASE_URL: fake.baseURL,
    OPENAI_API_KEY: 'sk-bench',
  });
  try {
    await waitReady(`http://127.0.0.1:${agent.port}/solo/ready`);
    const idle = await idleRss(agent.pid);
    await lightLoad(`http://127.0.0.1:${agent.port}`, 'solo');
    const loaded = Math.max(rss(agent.pid), await idleRss(agent.pid));
    return { idle, loaded };
  } finally {
    await agent.stop();
  }
}

async function waitReady(url: string) {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(url).catch(() => undefined);
    await res?.text();
    if (res?.ok) return;
    await sleep(50);
  }
  throw new Error(`${url} never became ready`);
}

async function measurePool(bundle: string, fake: FakeLlm) {
  let report: PoolReport | undefined;
  const pool = await start(
    // As the local target starts it (and the pool Deployment's command does).
    [...POOL_NODE_FLAGS, bundle],
    { FLEETPLANE_POOL_SOURCE: 'ipc', OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'sk-bench' },
    (message) => {
      if (isPoolReportMessage(message)) report = message.report;
    },
  );
  try {
    const names = Array.from({ length: AGENTS }, (_, i) => `pooled-${String(i).padStart(4, '0')}`);
    const message: PoolConfigsMessage = {
      type: 'pool-configs',
      reset: true,
      upsert: names.map((name) => ({ name, generation: 1, version: '1', configJson: configOf(name) })),
      remove: [],
    };
    pool.process.send(message);
    const loadedAt = performance.now();
    while (Object.keys(report?.serving ?? {}).length < AGENTS) {
      if (performance.now() - loadedAt > 60_000)
        throw new Error('the pool did not load 1,000 agents in 60 s');
      await sleep(50);
    }
    const loadMs = performance.now() - loadedAt;
    const idle = await idleRss(pool.pid);
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss(pool.pid));
    }, 100);
    const base = `http://127.0.0.1:${pool.port}`;
    let next = 0;
    const started = performance.now();
    try {
      await Promise.all(
        Array.from({ length: LOAD_CONCURRENCY }, async () => {
          while (next < names.length) await lightLoad(base, names[next++] as string);
        }),
      );
    } finally {
      clearInterval(sampler);
    }
    const loadSeconds = (performance.now() - started) / 1000;
    peak = Math.max(peak, rss(pool.pid));
    const after = await idleRss(pool.pid);
    return { idle, peak, after, loadMs, loadSeconds };
  } finally {
    await pool.stop();
  }
}

export const poolMemory: Section = {
  id: 'pool-memory',
  title: `Pool memory at ${AGENTS.toLocaleString('en')} agents`,
  needsEnvironment: false,
  async run(ctx) {
    const { path, pool } = await bundleRuntime();
    const fake = await startFakeLlm({ record: false });
    const dir = join(REPO_ROOT, '.cache', 'bench');
    await mkdir(dir, { recursive: true });
    const dedicated: { idle: number; loaded: number }[] = [];
    const pooled: Awaited<ReturnType<typeof measurePool>>[] = [];
    try {
      for (let run = 0; run < ctx.runs; run++) {
        dedicated.push(await measureDedicated(path, fake, dir));
        pooled.push(await measurePool(pool.path, fake));
        const last = pooled.at(-1) as (typeof pooled)[number];
        ctx.log(
          `pool-memory: run ${run + 1}: dedicated ${(dedicated.at(-1)?.idle ?? 0) / 2 ** 20} MiB idle; pool ${(last.idle / 2 ** 20).toFixed(0)} MiB idle, ${(last.peak / 2 ** 20).toFixed(0)} MiB peak under load`,
        );
      }
    } finally {
      await fake.close();
    }
    const thousand = (values: number[]) => values.map((v) => v * AGENTS);
    const idle = pooled.map((p) => p.idle);
    const peak = pooled.map((p) => p.peak);
    return {
      figures: [
        {
          name: `one pool process, ${AGENTS} agents loaded, idle: RSS`,
          unit: 'bytes',
          samples: idle,
          peer: {
            name: `${AGENTS} x one dedicated agent's RSS, idle`,
            samples: thousand(dedicated.map((d) => d.idle)),
          },
          goal: { text: 'at most 256 MiB', met: median(idle) <= GOAL_BYTES },
        },
        {
          name: `one pool process, light load across all ${AGENTS} agents: peak RSS`,
          unit: 'bytes',
          samples: peak,
          peer: {
            name: `${AGENTS} x one dedicated agent's RSS after the same load`,
            samples: thousand(dedicated.map((d) => d.loaded)),
          },
          goal: { text: 'at most 256 MiB', met: Math.max(...peak) <= GOAL_BYTES },
        },
        {
          name: 'one dedicated agent process, idle: RSS',
          unit: 'bytes',
          samples: dedicated.map((d) => d.idle),
        },
        {
          name: `loading ${AGENTS} configs into the pool (IPC, parsed and checked)`,
          unit: 'ms',
          samples: pooled.map((p) => p.loadMs),
        },
      ],
      notes: [
        `RSS is VmRSS from /proc, the median of five readings 2 s after the process settled (idle) and the highest reading taken every 100 ms during the load (peak). The pool is agent-pool.mjs fed its ${AGENTS} configs over IPC as the local server feeds it (the same configs the control plane renders, rate limits off); each agent's app is built on its first request, so "idle" holds ${AGENTS} checked configs and no app, and the load (three requests per agent, ${LOAD_CONCURRENCY} agents at a time, against an instant model) builds all ${AGENTS} apps. It took ${pooled.map((p) => p.loadSeconds.toFixed(1)).join(', ')} s per run; after it, the pool settled at ${pooled.map((p) => `${(p.after / 2 ** 20).toFixed(0)} MiB`).join(', ')}. The dedicated agent is agent-runtime.mjs with one config, measured idle and after the same three requests.`,
      ],
    };
  },
};
