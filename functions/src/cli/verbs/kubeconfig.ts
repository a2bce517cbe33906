/** `fleetplane kubeconfig [--for control-plane|health] [--base64]`: see ../kubeconfig.ts; needs an admin KUBECONFIG. */
import { readFile } from 'node:fs/promises';
import type { VerbContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';

export async function run(context: VerbContext): Promise<number> {
  const path = context.io.env.KUBECONFIG?.split(':')[0];
  if (!path) throw new UsageError('set KUBECONFIG to an admin kubeconfig of the cluster', 'kubeconfig');
  const { IDENTITIES, serviceAccountKubeconfig } = await import('../kubeconfig.ts');
  const which = (context.flags.for as string | undefined) ?? 'control-plane';
  if (!(which in IDENTITIES))
    throw new UsageError(`--for must be control-plane or health (got "${which}")`, 'kubeconfig');
  const identity = IDENTITIES[which as keyof typeof IDENTITIES];
  const text = await serviceAccountKubeconfig(await readFile(path, 'utf8'), {
    namespace: 'fleetplane-system',
    secretName: identity.secretName,
    user: identity.user,
  });
  context.io.out(context.flags.base64 ? `${Buffer.from(text).toString('base64')}\n` : text);
  return EXIT.ok;
}
