/**
 * Which admin kubeconfig a verb reads, as kubectl finds one: --kubeconfig, else the first path
 * of KUBECONFIG, else ~/.kube/config (where `doctl kubernetes cluster create` writes it).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Flags } from './context.ts';

export interface AdminKubeconfig {
  path: string;
  /** Named by the user (flag or KUBECONFIG), not the default: a missing file is then an error. */
  named: boolean;
}

export function adminKubeconfig(flags: Flags, env: Record<string, string | undefined>): AdminKubeconfig {
  const named = (flags.kubeconfig as string | undefined) || env.KUBECONFIG?.split(':')[0];
  return named
    ? { path: named, named: true }
    : { path: join(env.HOME || homedir(), '.kube', 'config'), named: false };
}
