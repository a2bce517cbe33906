/**
 * `fleetplane kubeconfig`: the kubeconfig the functions use, made with your admin access from
 * a ServiceAccount's token (manifests/10-control-plane-rbac.yaml): the control plane's, or the
 * `health` function's own. It holds that token only: never the admin credentials it was made with.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

/** The identities a kubeconfig can be made for: the token Secret and the user name of each. */
export const IDENTITIES = {
  'control-plane': { secretName: 'fleetplane-control-plane-token', user: 'fleetplane-control-plane' },
  health: { secretName: 'fleetplane-health-token', user: 'fleetplane-health' },
} as const;

export type Identity = keyof typeof IDENTITIES;

export interface ServiceAccountKubeconfigOptions {
  namespace: string;
  secretName: string;
  /** The user's name in the kubeconfig (default fleetplane-control-plane). */
  user?: string;
  /** Retries while the token controller fills the Secret. */
  waitMs?: number;
}

export async function serviceAccountKubeconfig(
  adminKubeconfig: string,
  options: ServiceAccountKubeconfigOptions,
): Promise<string> {
  const admin = new KubeConfig();
  admin.loadFromString(adminKubeconfig);
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the admin kubeconfig has no current cluster');
  const core = admin.makeApiClient(CoreV1Api);
  const deadline = Date.now() + (options.waitMs ?? 30_000);
  for (;;) {
    const secret = await core.readNamespacedSecret({
      name: options.secretName,
      namespace: options.namespace,
    });
    const token = secret.data?.token;
    const ca = secret.data?.['ca.crt'];
    if (token && ca) {
      const name = 'fleetplane';
      const user = options.user ?? IDENTITIES['control-plane'].user;
      return stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name, cluster: { server: cluster.server, 'certificate-authority-data': ca } }],
        users: [{ name: user, user: { token: Buffer.from(token, 'base64').toString('utf8') } }],
        contexts: [{ name, context: { cluster: name, user, namespace: 'agents' } }],
        'current-context': name,
      });
    }
    if (Date.now() > deadline)
      throw new Error(
        `Secret ${options.namespace}/${options.secretName} has no token yet; is manifests/10-control-plane-rbac.yaml applied?`,
      );
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
