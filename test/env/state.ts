/**
 * Where a started environment keeps its runtime state (data, certificates, logs) and the state
 * file that lets `down`, `status` and test workers find its processes.
 * Writes are atomic (temp file + rename) because the CLI, the vitest main process and workers
 * may all touch it. Must never point inside the build cache: `down` deletes this directory.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvState } from './types.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLEETPLANE_TESTENV_STATE_DIR || join(REPO_ROOT, '.cache', 'testenv');
}

export function stateFilePath(dir = stateDir()): string {
  return join(dir, 'state.json');
}

export async function readState(file = stateFilePath()): Promise<EnvState | null> {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as EnvState;
  } catch {
    // A half-written file from a crash: treat as stale; `up` cleans it after killing what it can find.
    return null;
  }
}

export async function writeState(state: EnvState, file = stateFilePath(state.stateDir)): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, file);
}
