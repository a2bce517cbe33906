/**
 * What the benchmarks ran on, as RESULTS.md states it: kernel and architecture (like `uname -a`,
 * without the host name), CPU model and count, memory, Node version, load average.
 * Must never include the host name, user names or paths.
 */
import { arch, availableParallelism, cpus, loadavg, release, totalmem, type, version } from 'node:os';

export function machineDescription(): string[] {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return [
    `${type()} ${release()} ${version()} ${arch()}`,
    `${availableParallelism()} CPUs (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory`,
    `Node ${process.version}`,
  ];
}

export const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
