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
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { bundleRuntime } from '../../agent-runtime/build.ts';
import { startFakeModel, startRuntime } from './lib/agent-processes.ts';
import { probe } from './lib/http-probe.ts';

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
      const fake = await startFakeModel(latencyMs, children);
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
  const directProbe = await probe(targets.direct.url, targets.direct.body, PROBE_N);
  console.log(row(['direct', us(directProbe.p50), us(directProbe.p99), '']));
  for (const name of names.slice(1)) {
    const t = targets[name as keyof typeof targets];
    const p = await probe(t.url, t.body, PROBE_N);
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
    const p = await probe(url, body, TTFB_N, { ttfb: true });
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

const us = (ms: number) => (ms * 1000).toFixed(0);
const row = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padEnd(30) : c.padStart(12))).join(' ');

// Last, so every declaration above is initialised before it runs.
await main();
