/**
 * Watchdog started by the vitest global setup: when the process that owns the environment dies
 * without its teardown (Ctrl-C, SIGKILL, a crash), it stops the environment so nothing is left.
 * Usage: node test/env/reaper.ts <owner-pid> <state-dir>. Exits on its own once the environment
 * is gone. Must never stop an environment whose owner is still alive.
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { down } from './environment.ts';
import { isAlive } from './lock.ts';
import { stateFilePath } from './state.ts';

const ownerPid = Number(process.argv[2]);
const dir = process.argv[3];
if (!Number.isInteger(ownerPid) || !dir) {
  console.error('usage: reaper.ts <owner-pid> <state-dir>');
  process.exit(2);
}

for (;;) {
  if (!existsSync(stateFilePath(dir))) process.exit(0); // torn down normally
  if (!isAlive(ownerPid)) {
    await down(dir);
    process.exit(0);
  }
  await sleep(500);
}
