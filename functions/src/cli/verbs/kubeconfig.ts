/**
 * `fleetplane kubeconfig [--for control-plane|health] [--base64]`: see ../kubeconfig.ts; needs an
 * admin kubeconfig (KUBECONFIG, or ~/.kube/config where `doctl kubernetes cluster create` writes it).
 */
import { readFile } from 'node:fs/promises';
import { adminKubeconfig } from '../admin-kubeconfig.ts';
import type { VerbContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';

export async function run(context: VerbContext): Promise<number> {
  const { path, named } = adminKubeconfig({}, context.io.env);
  const admin = await readFile(path, 'utf8').catch(() => {
    throw new UsageError(
      named
        ? `KUBECONFIG names ${path}, which cannot be read`
        : `no admin kubeconfig: ${path} does not exist; set KUBECONFIG to an admin kubeconfig of the cluster`,
      'kubeconfig',
    );
  });
  const { IDENTITIES, serviceAccountKubeconfig } = await import('../kubeconfig.ts');
  const which = (context.flags.for as string | undefined) ?? 'control-plane';
  if (!(which in IDENTITIES))
    throw new UsageError(`--for must be control-plane or health (got "${which}")`, 'kubeconfig');
  const identity = IDENTITIES[which as keyof typeof IDENTITIES];
  const text = await serviceAccountKubeconfig(admin, {
    namespace: 'fleetplane-system',
    secretName: identity.secretName,
    user: identity.user,
  });
  context.io.out(context.flags.base64 ? `${Buffer.from(text).toString('base64')}\n` : text);
  return EXIT.ok;
}
