/**
 * `npm run bench:coldstart`: bundle size and cold-start import time of each DigitalOcean
 * Function, each import in a fresh Node process, against the peer the issue names (a plain
 * esbuild bundle of @kubernetes/client-node + the S3 client + Hono) measured in the same run.
 * Also the first invocation of each function in a fresh process (import + one request through
 * `main`), which includes loading any SDK the request needs.
 *
 * Then the agent runtime as its image runs it: the size of its one-file bundle and the time from
 * `node agent-runtime.mjs` to its `listening` line, each start a fresh process.
 *
 * Prints measured figures only. Loopback only: the first-invocation requests use a local
 * directory store and a kubeconfig pointing at a closed loopback port, unless KUBECONFIG
 * and FLEETPLANE_STORE are set (e.g. from `npm run testenv -- up`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { bundleRuntime } from '../../agent-runtime/build.ts';
import type { RuntimeConfig } from '../../agent-runtime/src/contract.ts';
import { buildFunctions, FUNCTIONS, functionDir } from '../../functions/build.ts';
import { benchAgentConfig } from './lib/agent-processes.ts';

const RUNS = Number(process.env.BENCH_RUNS || 15);
const root = join(import.meta.dirname, '..', '..');
const scratch = join(root, '.cache', 'bench-coldstart');

function percentile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** Runs `script` in a fresh Node process RUNS times; the script prints one number (ms). */
function measure(script: string, env: NodeJS.ProcessEnv = process.env): number[] {
  return Array.from({ length: RUNS }, () =>
    Number(
      execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' }).trim().split('\n').at(-1),
    ),
  );
}

const importScript = (file: string) =>
  `const t=performance.now();require(${JSON.stringify(file)});console.log(performance.now()-t)`;

const invokeScript = (file: string, args: unknown) =>
  `const t=performance.now();require(${JSON.stringify(file)}).main(${JSON.stringify(args)}).catch(()=>{}).then(()=>console.log(performance.now()-t))`;

async function buildPeer(): Promise<string> {
  await mkdir(scratch, { recursive: true });
  const entry = join(scratch, 'peer.ts');
  await writeFile(
    entry,
    "import { KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';\nimport { S3Client } from '@aws-sdk/client-s3';\nimport { Hono } from 'hono';\nexport const all = [KubeConfig, KubernetesObjectApi, S3Client, Hono];\n",
  );
  const outfile = join(scratch, 'peer.js');
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    minify: true,
    logLevel: 'warning',
  });
  return outfile;
}

const fmt = (ms: number) => `${ms.toFixed(1).padStart(6)} ms`;

async function main() {
  console.log(`node ${process.version}, ${RUNS} fresh processes per figure\n`);
  const built = await buildFunctions();
  const peer = await buildPeer();
  const peerImport = measure(importScript(peer));
  const peerMedian = percentile(peerImport, 50);
  console.log(
    `peer: plain bundle of client-node + S3 + Hono, ${((await stat(peer)).size / 1024).toFixed(0)} KiB, import p50 ${fmt(peerMedian)}, p90 ${fmt(percentile(peerImport, 90))}\n`,
  );

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLEETPLANE_STORE: process.env.FLEETPLANE_STORE || `file://${join(scratch, 'store')}`,
    FLEETPLANE_API_TOKEN_HASHES: 'a'.repeat(64),
    FLEETPLANE_LOG_LEVEL: 'error',
  };
  if (!process.env.KUBECONFIG) {
    const kubeconfig = join(scratch, 'closed.kubeconfig');
    await writeFile(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n',
    );
    env.KUBECONFIG = kubeconfig;
  }
  const requests: Record<string, unknown> = {
    templates: { http: { method: 'GET', path: '', headers: {} } },
    health: { http: { method: 'GET', path: '', headers: {} } },
    deploy: { name: 'bench-agent' },
    deployments: {},
    sweep: {},
  };
  console.log('function      entry     +chunks   import p50   import p90   vs peer   first call p50');
  for (const { name, entryBytes, totalBytes } of built) {
    const file = join(functionDir(name), 'index.js');
    const imports = measure(importScript(file));
    const first = measure(invokeScript(file, requests[name]), env);
    const p50 = percentile(imports, 50);
    console.log(
      `${name.padEnd(12)} ${`${(entryBytes / 1024).toFixed(0)} KiB`.padStart(8)} ${`${(totalBytes / 1024).toFixed(0)} KiB`.padStart(9)}  ${fmt(p50)}    ${fmt(percentile(imports, 90))}   ${`${(p50 / peerMedian).toFixed(2)}x`.padStart(6)}   ${fmt(percentile(first, 50))}`,
    );
  }
  console.log(
    `\nfirst call: against ${env.KUBECONFIG === process.env.KUBECONFIG ? 'KUBECONFIG' : 'a closed loopback port'} and ${env.FLEETPLANE_STORE}`,
  );
  console.log(`functions measured: ${FUNCTIONS.join(', ')}`);
  await agentRuntimeStart();
}

/** The agent runtime's bundle and its start, spawn to the `listening` log line, RUNS times. */
async function agentRuntimeStart(): Promise<void> {
  const { code, path } = await bundleRuntime();
  const config: RuntimeConfig = {
    ...benchAgentConfig(),
    customEndpoints: [
      { path: 'summarize', method: 'POST', description: 'd', prompt: '{{input}}', slots: ['input'] },
    ],
  };
  const configPath = join(scratch, 'agent.json');
  await writeFile(configPath, JSON.stringify(config));
  const starts: number[] = [];
  for (let i = 0; i < RUNS; i++) starts.push(await startOnce(path, configPath));
  const bytes = Buffer.byteLength(code);
  console.log(
    `\nagent runtime: bundle ${(bytes / 1024).toFixed(0)} KiB (${(gzipSync(code).byteLength / 1024).toFixed(0)} KiB gzipped), start to listening p50 ${fmt(percentile(starts, 50))}, p90 ${fmt(percentile(starts, 90))}`,
  );
}

function startOnce(bundle: string, configPath: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [bundle], {
    env: { FLEETPLANE_AGENT_CONFIG: configPath, PORT: '0', HOST: '127.0.0.1', OPENAI_API_KEY: 'sk-bench' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (!out.includes('"msg":"listening"')) return;
      const ms = performance.now() - started;
      child.kill('SIGKILL');
      resolve(ms);
    });
    child.once('exit', (exitCode) => {
      if (!out.includes('"msg":"listening"'))
        reject(new Error(`agent runtime exited ${exitCode} before listening`));
    });
  });
}

await main();
