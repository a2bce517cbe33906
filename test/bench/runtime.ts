/**
 * Benchmark of the agent runtime: the bundled runtime (as the image runs it) in front of the
 * fake OpenAI-compatible server, against calling that server directly, in one run.
 *
 *   npm run bench:runtime            (about a minute; loopback only)
 *
 * Throughput and p50/p99 latency at 1, 50 and 200 connections (autocannon, ms resolution),
 * a sequential probe for sub-millisecond added latency, and time to first streamed byte.
 * Two upstream regimes: instant (pure runtime overhead, CPU-bound) and a simulated model
 * latency. The fake server runs in its own process, the runtime in another, autocannon
 * here. Every figure printed is measured in this run; nothing is typed in.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleRuntime } from '../../agent-runtime/build.ts';
import type { RuntimeConfig } from '../../agent-runtime/src/contract.ts';
import { startFakeLlm } from '../support/fake-llm.ts';
import { freePort } from '../support/free-port.ts';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  method: string;
  headers: Record<string, string>;
  body: string;
}) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const SELF = fileURLToPath(import.meta.url);
const CONNECTIONS = [1, 50, 200];
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 3);
const PROBE_N = 2_000;
const TTFB_N = 300;
const SIM_LATENCY_MS = 20;

async function main(): Promise<void> {
  console.log(
    `agent runtime benchmark: node ${process.version}, ${availableParallelism()} cores (load average ${loadavg()[0]?.toFixed(2)} at start), ${DURATION_S}s per autocannon case`,
  );
  const { path: bundle } = await bundleRuntime();
  const children: ChildProcess[] = [];
  try {
    for (const latencyMs of [0, SIM_LATENCY_MS]) {
      const fake = await startChildFake(latencyMs, children);
      const agentUrl = await startRuntime(bundle, fake, children);
      console.log(
        `\n== upstream ${latencyMs === 0 ? 'instant (runtime overhead only)' : `with ${latencyMs} ms simulated model latency`} ==`,
      );
      await runRegime(fake, agentUrl, latencyMs === 0);
      for (const child of children.splice(0)) child.kill('SIGKILL');
    }
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
}

async function runRegime(fakeBase: string, agentUrl: string, full: boolean): Promise<void> {
  const targets = {
    direct: { url: `${fakeBase}/chat/completions`, body: chatBody(false) },
    'runtime /generate': { url: `${agentUrl}/generate`, body: JSON.stringify({ prompt: 'hello world' }) },
    'runtime /v1/chat/completions': { url: `${agentUrl}/v1/chat/completions`, body: chatBody(false) },
  };
  const names = full ? Object.keys(targets) : ['direct', 'runtime /generate'];

  // Warm-up: JIT and connection pools on both sides.
  for (const name of names) await cannon(targets[name as keyof typeof targets], 50, 1);

  const ratios: number[] = [];
  const added: number[] = [];
  console.log('\nthroughput and latency (autocannon)');
  console.log(row(['connections', 'target', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs direct']));
  for (const connections of CONNECTIONS) {
    let direct = 0;

    for (const name of names) {
      const r = await cannon(targets[name as keyof typeof targets], connections, DURATION_S);
      if (name === 'direct') direct = r.requests.average;
      else ratios.push((100 * r.requests.average) / direct);
      const ratio = name === 'direct' ? '' : `${((100 * r.requests.average) / direct).toFixed(1)}%`;
      console.log(
        row([
          String(connections),
          name,
          r.requests.average.toFixed(0),
          String(r.latency.p50),
          String(r.latency.p99),
          String(r.errors + r.timeouts + r.non2xx),
          ratio,
        ]),
      );
    }
  }

  console.log(`\nsequential latency probe (${PROBE_N} keep-alive requests each, microseconds)`);
  console.log(row(['target', 'p50 us', 'p99 us', 'added p50 us']));
  const directProbe = await probe(targets.direct.url, targets.direct.body, PROBE_N, false);
  console.log(row(['direct', us(directProbe.p50), us(directProbe.p99), '']));
  for (const name of names.slice(1)) {
    const t = targets[name as keyof typeof targets];
    const p = await probe(t.url, t.body, PROBE_N, false);
    console.log(row([name, us(p.p50), us(p.p99), us(p.p50 - directProbe.p50)]));
    added.push(p.p50 - directProbe.p50);
  }

  console.log(`\ntime to first streamed byte (${TTFB_N} sequential streams each, microseconds)`);
  console.log(row(['target', 'p50 us', 'p99 us', 'added p50 us']));
  const streamTargets: [string, string, string][] = [
    ['direct', targets.direct.url, chatBody(true)],
    ['runtime /generate', `${agentUrl}/generate`, JSON.stringify({ prompt: 'hello world', stream: true })],
    ['runtime /v1/chat/completions', `${agentUrl}/v1/chat/completions`, chatBody(true)],
  ];
  let directTtfb = 0;
  for (const [name, url, body] of streamTargets.filter(([n]) => names.includes(n))) {
    const p = await probe(url, body, TTFB_N, true);
    if (name === 'direct') directTtfb = p.p50;
    console.log(row([name, us(p.p50), us(p.p99), name === 'direct' ? '' : us(p.p50 - directTtfb)]));
  }

  // Goals of the issue, checked against this run's figures.
  const worstAdded = Math.max(...added);
  const worstRatio = Math.min(...ratios);
  console.log(
    `\ngoal added p50 < 1 ms: ${worstAdded < 1 ? 'met' : 'NOT met'} (worst ${us(worstAdded)} us); ` +
      `goal throughput >= 80% of direct: ${worstRatio >= 80 ? 'met' : 'NOT met'} (worst ${worstRatio.toFixed(1)}%)`,
  );
}

const chatBody = (stream: boolean) =>
  JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello world' }], stream });

function cannon(target: { url: string; body: string }, connections: number, duration: number) {
  return autocannon({
    url: target.url,
    connections,
    duration,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: target.body,
  });
}

/** Sequential requests over one keep-alive connection; times to the first body byte when `ttfb`. */
async function probe(
  url: string,
  body: string,
  n: number,
  ttfb: boolean,
): Promise<{ p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  for (let i = 0; i < n + 50; i++) {
    const elapsed = await new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let first = 0;
          res.on('data', () => {
            if (first === 0) first = performance.now() - started;
          });
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`${url} answered ${res.statusCode}`));
            else resolve(ttfb ? first : performance.now() - started);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    if (i >= 50) times.push(elapsed); // the first 50 warm up
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
}

async function startChildFake(latencyMs: number, children: ChildProcess[]): Promise<string> {
  const child = spawn(process.execPath, [SELF, '--fake-llm', String(latencyMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()).baseURL));
    child.once('exit', (code) => reject(new Error(`fake model exited ${code}`)));
  });
}

async function startRuntime(bundle: string, baseURL: string, children: ChildProcess[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fp-bench-'));
  const config: RuntimeConfig = {
    apiVersion: 'fleetplane.io/v1',
    name: 'bench-agent',
    template: 'assistant',
    basePath: '/bench-agent',
    model: { provider: 'openai', id: 'gpt-4o' },
    instruction: 'You are a helpful assistant.',
    temperature: 0.7,
    endpoints: ['generate', 'chat'],
    customEndpoints: [],
    logging: 'info',
    limits: {
      maxBodyBytes: 65_536,
      maxPromptChars: 32_000,
      requestTimeoutMs: 30_000,
      maxRetries: 2,
      rateLimitPerMinute: 0,
    },
    requireApiKey: false,
  };
  const configPath = join(dir, 'agent.json');
  await writeFile(configPath, JSON.stringify(config));
  const port = await freePort();
  // Logs go to /dev/null: the runtime still formats and writes every line, as in a pod.
  const child = spawn(process.execPath, [bundle], {
    env: {
      FLEETPLANE_AGENT_CONFIG: configPath,
      PORT: String(port),
      HOST: '127.0.0.1',
      OPENAI_BASE_URL: baseURL,
      OPENAI_API_KEY: 'sk-bench',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}/bench-agent`;
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(`${url}/ready`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return url;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('runtime did not become ready');
}

const us = (ms: number) => (ms * 1000).toFixed(0);
const row = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padEnd(30) : c.padStart(12))).join(' ');

// Last, so every declaration above is initialised before it runs.
// Child mode: serve the fake model in this process until killed.
if (process.argv[2] === '--fake-llm') {
  const fake = await startFakeLlm({ record: false, latencyMs: Number(process.argv[3] ?? 0) });
  process.stdout.write(`${JSON.stringify({ baseURL: fake.baseURL })}\n`);
} else {
  await main();
}
