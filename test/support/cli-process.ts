/**
 * The `fleetplane` command and the control plane's server (`npm start`), each as a real
 * process, for tests that use the command the way a user does. The server's request log
 * (one JSON line per request on stdout) lets a test count the calls the command made.
 * Processes get only the environment a test passes (plus PATH and HOME), never the caller's.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { freePort } from './free-port.ts';

const root = new URL('../../', import.meta.url).pathname;
const bin = `${root}functions/bin/fleetplane.ts`;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `fleetplane <args>` with this Node (24), stdin closed, stdout and stderr pipes (not a terminal). */
export function fleetplane(
  args: string[],
  env: Record<string, string | undefined> = {},
  /** Called with all output so far, each time more arrives: to act (or signal it) while it runs. */
  watch?: (output: { stdout: string; stderr: string }, child: ChildProcess) => void,
): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      watch?.({ stdout, stderr }, child);
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      watch?.({ stdout, stderr }, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : -1),
        stdout,
        stderr,
        ms: Math.round(performance.now() - started),
      }),
    );
  });
}

export interface RequestLine {
  method: string;
  path: string;
  status: number;
  time: string;
}

export interface ServerProcess {
  url: string;
  /** Every request the server has logged so far, in order. */
  requests(): RequestLine[];
  /** Everything it wrote, for a failing test's message. */
  output(): string;
  stop(): Promise<void>;
}

async function until(what: string, probe: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter(Boolean);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

/** Starts `npm start`'s server (functions/src/local/main.ts) on a free port with exactly `env`. */
export async function startServer(env: Record<string, string | undefined>): Promise<ServerProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [`${root}functions/src/local/main.ts`], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const requests: RequestLine[] = [];
  let partial = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const entry = JSON.parse(line);
        if (entry.message === 'request') requests.push(entry);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  await until('the server', async () => (await fetch(`${url}/health`)).status < 500, 60_000).catch(
    (error) => {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n${output}`);
    },
  );
  return {
    url,
    requests: () => [...requests],
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Its agents (local target) are its children: stop it gracefully, then kill what is left.
      const agents = childrenOf(child.pid as number);
      child.kill('SIGTERM');
      await until(
        'the server to exit',
        async () => child.exitCode !== null || child.signalCode !== null,
        10_000,
      ).catch(() => child.kill('SIGKILL'));
      for (const pid of agents) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}
