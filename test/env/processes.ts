/**
 * Starts service processes detached, each the leader of its own process group, and stops whole
 * groups; polls health endpoints. Linux only: liveness is read from /proc so zombies and pid reuse
 * do not fool it.
 * Must never signal a process it cannot prove is ours (argv[0] is checked against /proc/<pid>/exe
 * and cmdline), and never kill by name.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HealthCheck, ProcessRecord } from './types.ts';

/** Pids in process group `pgid` that are not zombies. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which may itself contain spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(entry));
    } catch {
      // The process went away while we looked.
    }
  }
  return members;
}

/** Resident memory of every process in the group, in bytes (VmRSS from /proc). */
export function groupRssBytes(pgid: number): number {
  let total = 0;
  for (const pid of groupMembers(pgid)) {
    try {
      const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
      total += Number(match?.[1] ?? 0) * 1024;
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

/** True when `pid` is alive and is the binary we started (not a reused pid). */
export function isOurProcess(pid: number, binary: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false;
    const exe = readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return exe === binary || argv0 === binary;
  } catch {
    return false;
  }
}

function minimalEnv(home: string): Record<string, string> {
  // No proxies, no KUBECONFIG or AWS_* leaking in from the user's shell: everything is explicit.
  return { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
}

export function spawnService(record: ProcessRecord, home: string): number {
  const [binary, ...args] = record.argv;
  if (!binary) throw new Error(`${record.name}: empty argv`);
  const log = openSync(record.log, 'a');
  try {
    const child = spawn(binary, args, {
      detached: true, // setsid: its own session and process group, so we can stop its children too
      stdio: ['ignore', log, log],
      env: { ...minimalEnv(home), ...record.env },
    });
    if (child.pid === undefined) throw new Error(`${record.name}: failed to start ${binary}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** SIGTERM the group, SIGKILL whatever is left after `graceMs`, and wait until it is empty. */
export async function stopGroup(pgid: number, graceMs = 10_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pgid, sig);
    } catch {
      // Already gone.
    }
  };
  if (groupMembers(pgid).length === 0) return;
  signal(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const deadline = Date.now() + graceMs;
  while (groupMembers(pgid).length > 0) {
    if (Date.now() > deadline) {
      signal('SIGKILL');
      await sleep(100);
      if (Date.now() > deadline + 5000) throw new Error(`process group ${pgid} survived SIGKILL`);
    }
    await sleep(50);
  }
}

export interface Credentials {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** True when `status` (from `probe`) is what `check` calls healthy. */
export function isHealthyStatus(check: HealthCheck, status: number): boolean {
  return status === (check.status ?? 200);
}

/** GET `check.url`; resolves with the HTTP status, or 0 when nothing answers. */
export function probe(
  check: HealthCheck,
  credentials: Credentials | null,
  timeoutMs = 2000,
): Promise<number> {
  return new Promise((resolve) => {
    const url = new URL(check.url);
    const done = (status: number) => resolve(status);
    const options = {
      method: 'GET',
      timeout: timeoutMs,
      headers: check.authorization ? { authorization: check.authorization } : {},
    };
    const req =
      url.protocol === 'https:'
        ? request(url, {
            ...options,
            ...(check.tls === 'admin' && credentials
              ? { ca: credentials.ca, cert: credentials.cert, key: credentials.key }
              : { rejectUnauthorized: false }),
          })
        : httpRequest(url, options);
    req.on('response', (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(0));
    req.end();
  });
}

export async function logTail(path: string, lines = 30): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

/** Polls until the health URL answers 200; fails early, with its log, if the process dies. */
export async function waitHealthy(
  record: ProcessRecord,
  credentials: Credentials | null,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const binary = record.argv[0] ?? '';
  for (;;) {
    if (isHealthyStatus(record.health, await probe(record.health, credentials))) return;
    if (record.pid === null || !isOurProcess(record.pid, binary)) {
      throw new Error(
        `${record.name} exited during start-up; last lines of ${record.log}:\n${await logTail(record.log)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${record.name} not healthy at ${record.health.url} after ${timeoutMs / 1000}s; last lines of ${record.log}:\n${await logTail(record.log)}`,
      );
    }
    await sleep(150);
  }
}
