/**
 * The local server (`npm start`) as a real process for tests, started as npm runs it
 * (`npm start`: npm -> sh -> node, optionally under a launcher shell) or as
 * `node functions/src/local/main.ts`, with its own
 * store and port. Process accounting by /proc: the whole tree under the process we started,
 * and whether a recorded pid still runs.
 *
 * `kill()` leaves nothing behind, whatever state a failed test left the server in: call it in
 * afterAll/finally. It must never signal a process that is not one we started or its descendant.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './free-port.ts';
import { scratchDir } from './scratch.ts';
import { waitFor } from './wait.ts';

const root = new URL('../../', import.meta.url).pathname;

export interface LocalServer {
  /** http://127.0.0.1:<port> */
  base: string;
  port: number;
  storeDir: string;
  /** The process we spawned: npm, or the server itself. */
  root: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The pid of the node process that runs the server (below npm and its shell, or the root). */
  serverPid(): number;
  /** Every live process under the root, the root included. */
  tree(): number[];
  /** Every process ever seen under the root (sampled every 200 ms and on each tree() call). */
  everSeen(): number[];
  /** Stops everything it started, gently then by SIGKILL; idempotent. */
  kill(): Promise<void>;
}

export interface LocalServerOptions {
  viaNpm?: boolean;
  /** Env for the server on top of PATH, HOME, PORT and FLEETPLANE_STORE. */
  env?: Record<string, string>;
  /** With viaNpm: run npm under a shell of its own (`sh -c 'npm start; …'`), npm's parent to kill. */
  launcher?: boolean;
  /** Start in its own process group (so a test can signal the group, like Ctrl-C in a terminal). */
  ownGroup?: boolean;
  /** Wait until /health answers (default); false: the test waits itself. */
  waitHealthy?: boolean;
  /** Working directory of a server run directly (not through npm): where a default store lands. */
  cwd?: string;
}

/** `State` field of /proc/<pid>/stat; undefined when there is no such process. */
function stateOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** Whether the pid is a process that has not exited (a zombie has exited: it only awaits its reaper). */
export function running(pid: number): boolean {
  const state = stateOf(pid);
  return state !== undefined && state !== 'Z' && state !== 'X';
}

function parentsByPid(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || fields[0] === 'X') continue;
      const ppid = Number(fields[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // gone while listing
    }
  }
  return children;
}

/** Live processes under `pid`, itself included. */
export function processTree(pid: number): number[] {
  const children = parentsByPid();
  const found: number[] = [];
  const visit = (p: number) => {
    if (!running(p)) return;
    found.push(p);
    for (const child of children.get(p) ?? []) visit(child);
  };
  visit(pid);
  return found;
}

export const commandOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
};

/** The node process that runs the server, not npm's `sh -c "node …/main.ts"` around it. */
const serverOf = (pids: number[]) =>
  pids.find((pid) => /(^|\/)node .*functions\/src\/local\/main\.ts/.test(commandOf(pid)));

export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const port = await freePort();
  const storeDir = await scratchDir('fleetplane-local-');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    FLEETPLANE_STORE: `file://${storeDir}`,
    ...options.env,
  };
  const [command, args] = options.launcher
    ? // Not the last command, so the shell cannot exec npm in its place: it stays npm's parent.
      ['sh', ['-c', 'npm start --silent; status=$?; exit $status']]
    : options.viaNpm
      ? ['npm', ['start', '--silent']]
      : [process.execPath, [join(root, 'functions/src/local/main.ts')]];
  const child = spawn(command, args, {
    cwd: options.viaNpm || options.launcher ? root : (options.cwd ?? root),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownGroup ?? false,
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  // Everything ever seen under the root, so kill() finds orphans whose parent already died.
  const seen = new Set<number>();
  const tree = () => {
    const now = child.pid ? processTree(child.pid) : [];
    for (const pid of now) seen.add(pid);
    return now;
  };
  const tracker = setInterval(tree, 200);
  const serverPid = () => {
    // Among all seen, so it is found after its ancestors died too.
    tree();
    const pid = serverOf([...seen].filter(running));
    if (!pid) throw new Error('the local server process is not running');
    return pid;
  };
  let killed: Promise<void> | undefined;
  const server: LocalServer = {
    base: `http://127.0.0.1:${port}`,
    port,
    storeDir,
    root: child,
    stdout: () => out,
    stderr: () => err,
    serverPid,
    tree,
    everSeen: () => [...seen],
    kill: () => {
      killed ??= (async () => {
        tree();
        clearInterval(tracker);
        const left = () => [...seen].filter(running);
        // Gently first: npm (or the server) if it still runs, else the orphaned server.
        const gently = child.exitCode === null && child.signalCode === null ? child.pid : serverOf(left());
        if (gently !== undefined) {
          try {
            process.kill(gently, 'SIGTERM');
          } catch {
            // gone meanwhile
          }
          await waitFor('the server to exit', async () => left().length === 0, 15_000, 100).catch(() => {});
        }
        for (const pid of left())
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone meanwhile
          }
        await waitFor('killed processes to end', async () => left().length === 0, 5_000, 50);
      })();
      return killed;
    },
  };
  if (options.waitHealthy ?? true) {
    const outcome = await waitFor(
      'the local server',
      async () =>
        child.exitCode !== null
          ? 'exited'
          : (await fetch(`${server.base}/health`).catch(() => undefined))?.ok && 'healthy',
      30_000,
      100,
    ).catch(async (error: unknown) => {
      await server.kill();
      throw error;
    });
    if (outcome === 'exited') {
      await server.kill();
      throw new Error(`the local server exited early:\n${err}`);
    }
  }
  return server;
}

/**
 * One local server for the enclosing describe block: started before its tests, killed after
 * them whatever they left. Returns the server to the tests, which run after it started.
 */
export function useLocalServer(options: LocalServerOptions = {}): () => LocalServer {
  let server: LocalServer | undefined;
  beforeAll(async () => {
    server = await startLocalServer(options);
  }, 60_000);
  afterAll(async () => {
    await server?.kill();
  });
  return () => {
    if (!server) throw new Error('the local server did not start (see the beforeAll error)');
    return server;
  };
}
