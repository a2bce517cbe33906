/**
 * The `fleetplane` command and the control plane's server (`npm start`), each as a real
 * process, for tests that use the command the way a user does. The server's request log
 * (one JSON line per request on stdout) lets a test count the calls the command made.
 * Processes get only the environment a test passes (plus PATH and HOME), never the caller's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { startLocalServer } from './local-server.ts';

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

/** Starts `npm start`'s server (functions/src/local/main.ts) on a free port with exactly `env`. */
export async function startServer(env: Record<string, string | undefined>): Promise<ServerProcess> {
  const defined = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const server = await startLocalServer({ env: { ...defined, HOST: '127.0.0.1' } });
  const requests = () =>
    server
      .stdout()
      .split('\n')
      .flatMap((line) => {
        try {
          const entry = JSON.parse(line);
          return entry.message === 'request' ? [entry as RequestLine] : [];
        } catch {
          return []; // not a log line
        }
      });
  return {
    url: server.base,
    requests,
    output: () => `${server.stdout()}${server.stderr()}`,
    stop: () => server.kill(),
  };
}
