/**
 * A cross-process lock file holding the owner's pid, so two runs never build or start at once.
 * A lock left by a dead process is taken over. Must never remove a lock whose owner is alive.
 */
import { open, readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withFileLock<T>(
  path: string,
  log: (m: string) => void,
  body: () => Promise<T>,
): Promise<T> {
  let announced = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      // An empty file is a lock being written right now, unless it is old (its writer crashed).
      const age = Date.now() - ((await stat(path).catch(() => null))?.mtimeMs ?? 0);
      if (Number.isFinite(owner) ? !isAlive(owner) : age > 5000) {
        await rm(path, { force: true });
        continue;
      }
      if (!announced) log(`waiting for process ${owner}, which holds ${path}`);
      announced = true;
      await sleep(1000);
    }
  }
  try {
    return await body();
  } finally {
    await rm(path, { force: true });
  }
}
