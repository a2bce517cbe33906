/**
 * What the console's browser tests run against: the local server (`npm start`) as a real
 * process with a bearer token configured and the echo model behind its agents, and Debian's
 * Chromium driven through playwright-core. Everything listens on loopback only, and
 * everything started here is stopped by `stop()`, even after a failed test.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { type FakeLlm, startFakeLlm } from '../support/fake-llm.ts';
import { freePort } from '../support/free-port.ts';
import { scratchDir } from '../support/scratch.ts';

export const root = new URL('../../', import.meta.url).pathname;
export const CHROMIUM = process.env.FLEETPLANE_TEST_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = join(root, '.cache', 'console-screenshots');
export const TOKEN = 'console-test-token-0123456789abcdef';

export async function until<T>(
  what: string,
  probe: () => Promise<T | false | undefined>,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

export interface ConsoleServer {
  base: string;
  llm: FakeLlm;
  /** A call to the API with the right token, as a test's independent check of what the page did. */
  api(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/** PIDs of the server's agent processes (children running the runtime bundle). */
const agentsOf = (pid: number) =>
  execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes('agent-runtime.mjs'))
    .map((line) => Number(line.trim().split(/\s+/)[0]))
    .filter(Boolean);

export async function startConsoleServer(): Promise<ConsoleServer> {
  const llm = await startFakeLlm();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const store = await scratchDir('fleetplane-console-');
  const server: ChildProcess = spawn(process.execPath, [join(root, 'functions/src/local/main.ts')], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      FLEETPLANE_STORE: `file://${store}`,
      FLEETPLANE_API_TOKEN_HASHES: createHash('sha256').update(TOKEN).digest('hex'),
      FLEETPLANE_LOG_LEVEL: 'warn',
      OPENAI_BASE_URL: llm.baseURL,
      OPENAI_API_KEY: 'local-key',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  server.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  });
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      const agents = agentsOf(server.pid as number);
      server.kill('SIGTERM');
      await until(
        'the server to exit',
        async () => server.exitCode !== null || server.signalCode !== null,
        10_000,
      ).catch(() => server.kill('SIGKILL'));
      for (const pid of agents) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await llm.close();
  };
  try {
    await until('the local server', async () => (await fetch(`${base}/health`)).ok);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\nserver output:\n${output}`);
  }
  return {
    base,
    llm,
    api: (path, init = {}) =>
      fetch(`${base}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...init.headers },
      }),
    stop,
  };
}

/**
 * Debian's Chromium, headless. playwright-core launches it with a fresh temporary profile
 * (user-data-dir) of its own and removes it on close.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: install Debian's package (apt-get install -y --no-install-recommends chromium), or set FLEETPLANE_TEST_CHROMIUM to another Chromium binary`,
    );
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
