/**
 * The agent runtime as its image runs it, for benchmarks: the fake model in a process of its
 * own and the bundled runtime in another, both on loopback, so the measuring process shares its
 * CPU with neither. Every child is pushed onto `children`; the caller kills them (SIGKILL) when
 * done, also on failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeConfig } from '../../../agent-runtime/src/contract.ts';
import { freePort } from '../../support/free-port.ts';
import { waitFor } from '../../support/wait.ts';

const FAKE_MODEL = join(import.meta.dirname, 'fake-model-process.ts');

/** The fake OpenAI-compatible model in a child process; answers its base URL (…/v1). */
export async function startFakeModel(latencyMs: number, children: ChildProcess[]): Promise<string> {
  const child = spawn(process.execPath, [FAKE_MODEL, String(latencyMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(JSON.parse(d.toString()).baseURL));
    child.once('exit', (code) => reject(new Error(`fake model exited ${code}`)));
  });
}

/** The agent every runtime benchmark runs: no key, no rate limit, no custom endpoint. */
export function benchAgentConfig(): RuntimeConfig {
  return {
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
}

/** The bundled runtime in a child process in front of `baseURL`; answers the agent's URL once ready. */
export async function startRuntime(
  bundle: string,
  baseURL: string,
  children: ChildProcess[],
  config: RuntimeConfig = benchAgentConfig(),
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fp-bench-'));
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
  const url = `http://127.0.0.1:${port}${config.basePath}`;
  await waitFor(
    'the agent ready',
    async () => (await fetch(`${url}/ready`).catch(() => undefined))?.ok,
    30_000,
    50,
  );
  return url;
}
