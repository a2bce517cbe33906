/**
 * `fleetplane kubeconfig`: the kubeconfig the functions use, made with your admin access from
 * the control plane's ServiceAccount token (manifests/10-control-plane-rbac.yaml). It holds
 * that token only: never the admin credentials it was made with.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';

export interface ServiceAccountKubeconfigOptions {
  namespace: string;
  secretName: string;
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
      return stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name, cluster: { server: cluster.server, 'certificate-authority-data': ca } }],
        users: [
          {
            name: 'fleetplane-control-plane',
            user: { token: Buffer.from(token, 'base64').toString('utf8') },
          },
        ],
        contexts: [
          { name, context: { cluster: name, user: 'fleetplane-control-plane', namespace: 'agents' } },
        ],
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
