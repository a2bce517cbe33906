/**
 * Processes a test starts on demand beside the environment (the token-auth registry of
 * test/support/token-registry.ts): spawned like the environment's services (their own process
 * group, a minimal environment) and recorded under `extras` in the state file, so `down`, the
 * reaper and a stale-environment clean-up stop them even when the test that started one died.
 * Without a local environment (every part external) there is no state file: then only `stop()`,
 * or this process exiting, stops the process.
 * Must never stop a process it did not start, and never write the state file without its lock.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadCredentials, lockPath } from './environment.ts';
import { withFileLock } from './lock.ts';
import { spawnService, stopGroup, waitHealthy } from './processes.ts';
import { readState, writeState } from './state.ts';
import type { ProcessRecord } from './types.ts';

export interface ExtraProcess {
  record: ProcessRecord;
  /** Its own directory (config, data), deleted by `stop()`. */
  dir: string;
  /** Stops the process group and forgets the record; safe to call twice. */
  stop(): Promise<void>;
}

const quiet = () => {};

async function updateState(stateFile: string, change: (extras: Record<string, ProcessRecord>) => void) {
  await withFileLock(lockPath(dirname(stateFile)), quiet, async () => {
    const state = await readState(stateFile);
    if (!state) throw new Error(`no test environment state at ${stateFile}`);
    state.extras ??= {};
    change(state.extras);
    await writeState(state, stateFile);
  });
}

/**
 * Starts a process named `name` (unique among the extras) and waits until its health check passes.
 * `describe` gets the process's own directory and returns how to run it.
 */
export async function startExtra(
  name: string,
  stateFile: string | null,
  describe: (dir: string) => Promise<Omit<ProcessRecord, 'name' | 'pid' | 'log'>>,
  timeoutMs = 30_000,
): Promise<ExtraProcess> {
  const recordIn = stateFile !== null && existsSync(stateFile) ? stateFile : null;
  const stateDir = recordIn ? dirname(recordIn) : null;
  const dir = stateDir
    ? join(stateDir, 'extras', name)
    : await mkdtemp(join(tmpdir(), `fleetplane-${name}-`));
  await mkdir(dir, { recursive: true });
  // Logs beside the services' own, which `down` keeps for post-mortems.
  const logs = stateDir ? join(stateDir, 'logs') : dir;
  await mkdir(logs, { recursive: true });
  const record: ProcessRecord = { name, ...(await describe(dir)), log: join(logs, `${name}.log`), pid: null };

  record.pid = spawnService(record, dir);
  const pid = record.pid;
  const killOnExit = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', killOnExit);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    await stopGroup(pid, 5000);
    if (recordIn)
      await updateState(recordIn, (extras) => {
        delete extras[name];
      });
    await rm(dir, { recursive: true, force: true });
  };
  try {
    if (recordIn)
      await updateState(recordIn, (extras) => {
        extras[name] = record;
      });
    const state = recordIn ? await readState(recordIn) : null;
    await waitHealthy(record, state ? await loadCredentials(state) : null, timeoutMs);
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
  return { record, dir, stop };
}
