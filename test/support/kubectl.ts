/**
 * Runs the environment's kubectl (built at the API server's version) against its kubeconfig:
 *
 *   const { stdout } = await kubectl(env, ['apply', '--server-side', '-f', file]);
 *
 * It runs with a minimal environment, so neither the user's KUBECONFIG nor their ~/.kube reach it;
 * its discovery cache lives in `home` (by default one temporary directory per test file, so the
 * first call pays for discovery and later ones do not, as for a user).
 * Must never run against a cluster other than the one in the given kubeconfig.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { TestEnv } from '../env/types.ts';
import { scratchDir } from './scratch.ts';

const run = promisify(execFile);

let sharedHome: Promise<string> | null = null;

export interface KubectlOptions {
  /** Written to kubectl's stdin (for `-f -`). */
  input?: string;
  /** HOME of kubectl, where it keeps its discovery cache (~/.kube/cache). */
  home?: string;
  timeoutMs?: number;
}

export async function kubectl(
  env: Pick<TestEnv, 'kubectl' | 'kubeconfigPath'>,
  args: string[],
  options: KubectlOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  sharedHome ??= scratchDir('fleetplane-kubectl-');
  const home = options.home ?? (await sharedHome);
  const child = run(env.kubectl, [`--kubeconfig=${env.kubeconfigPath}`, ...args], {
    env: { PATH: '/usr/bin:/bin', HOME: home },
    timeout: options.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (options.input !== undefined) child.child.stdin?.end(options.input);
  return child;
}
