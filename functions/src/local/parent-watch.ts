/**
 * Notices that what started us is gone, so the local server stops with it.
 *
 * WHY: `npm start` runs `sh -c "node …/main.ts"`. Killed with SIGTERM, npm passes the signal
 * to that shell, which dies without passing it on; killed with SIGKILL, npm passes nothing.
 * Either way the server would be left running, with its agents. Nothing tells a process that
 * an ancestor died (Linux's PR_SET_PDEATHSIG is out of reach from Node), so poll: our parent
 * pid changes when we are reparented, and, when an npm script started us, npm must still run.
 *
 * npm's own parent is deliberately not watched: `npm start &` in a script or a CI step that
 * ends must keep serving (a closing terminal sends SIGHUP, which stops us anyway).
 * It must never watch init (pid 1) or a process that did not start us.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const POLL_MS = 500;

/** Whether a process runs (a zombie has exited; it only waits for its parent to reap it). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && process.platform === 'linux') return false;
  }
  // No /proc (macOS): signal 0 tells whether the pid exists.
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Parent pid and command line of a process, by `ps` (Linux and macOS alike); undefined if gone. */
function describe(pid: number): { ppid: number; command: string } | undefined {
  try {
    const line = execFileSync('ps', ['-o', 'ppid=,args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    const match = /^(\d+)\s+(.*)$/.exec(line);
    return match ? { ppid: Number(match[1]), command: match[2] as string } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The processes whose end should end us: our parent; and npm, when an npm script started us
 * through its shell (npm is then our grandparent). Init is never among them.
 */
export function ancestorsToWatch(): number[] {
  const parent = process.ppid;
  if (!process.env.npm_lifecycle_event) return [parent];
  const shell = describe(parent);
  if (!shell || shell.ppid <= 1 || isNpm(shell.command)) return [parent];
  const npm = describe(shell.ppid);
  return npm && isNpm(npm.command) ? [parent, shell.ppid] : [parent];
}

const isNpm = (command: string) => /^(\S*\/)?npm(\s|$)/.test(command);

/** Calls `onGone` once when our parent changes or a watched ancestor ends. Returns a stopper. */
export function watchAncestors(onGone: (why: string) => void, pollMs = POLL_MS): () => void {
  const [parent, ...others] = ancestorsToWatch();
  const timer = setInterval(() => {
    const gone =
      process.ppid !== parent ? `parent process ${parent} gone` : others.find((pid) => !alive(pid));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(typeof gone === 'number' ? `ancestor process ${gone} gone` : gone);
  }, pollMs);
  timer.unref();
  return () => clearInterval(timer);
}
