/**
 * Removes a fleet's objects from the agents' namespace by its fleet label, and waits until they
 * and their pods are gone, so the next run starts from an empty namespace and competes with no
 * garbage collection. One DELETE of a collection per kind (ReplicaSets and pods included: the
 * garbage collector takes minutes for a thousand agents, and `kubectl delete -l` deletes object
 * by object).
 * Must never select by anything broader than one fleet label.
 */
import { request } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { POOL_LABEL, POOL_NAME, REPORT_LABEL } from '../../../agent-runtime/src/pool/contract.ts';
import { FLEET_LABEL } from '../../../functions/src/core/agent-objects/labels.ts';
import { AGENT_KINDS } from '../../../functions/src/core/agent-objects/types.ts';
import type { BenchContext } from './section.ts';

/**
 * In stages, each waited for: objects first, then ReplicaSets, then pods. Deleting them all at
 * once races the controllers: a ReplicaSet whose pods vanish makes new ones until it is gone
 * itself, and a Deployment does the same for its ReplicaSets.
 */
const STAGES = [
  AGENT_KINDS.map(({ apiVersion, plural }) => ({ apiVersion, plural })),
  [{ apiVersion: 'apps/v1', plural: 'replicasets' }],
  [{ apiVersion: 'v1', plural: 'pods' }],
];

const kubectlName = ({ apiVersion, plural }: { apiVersion: string; plural: string }) =>
  apiVersion.includes('/') ? `${plural}.${apiVersion.split('/')[0]}` : plural;

async function deleteCollection(kc: KubeConfig, path: string): Promise<void> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('no current cluster in the kubeconfig');
  const options: Parameters<typeof request>[1] = { method: 'DELETE' };
  await kc.applyToHTTPSOptions(options);
  await new Promise<void>((resolve, reject) => {
    const req = request(new URL(path, server), options, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () =>
        // 404: an optional API (Gateway API) that is not installed has nothing to delete.
        res.statusCode === 200 || res.statusCode === 404
          ? resolve()
          : reject(new Error(`DELETE ${path} answered ${res.statusCode}: ${body.slice(0, 300)}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

export async function removeFleetObjects(
  ctx: Pick<BenchContext, 'kubectl' | 'env'>,
  fleet: string,
  timeoutMs = 300_000,
): Promise<void> {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(fleet)) throw new Error(`not a fleet id: ${fleet}`);
  const { namespace } = ctx.env;
  const kc = new KubeConfig();
  kc.loadFromFile(ctx.env.kubeconfigPath);
  const selector = `labelSelector=${encodeURIComponent(`${FLEET_LABEL}=${fleet}`)}&propagationPolicy=Background`;
  const deadline = Date.now() + timeoutMs;
  for (const stage of STAGES) {
    await Promise.all(
      stage.map(({ apiVersion, plural }) =>
        deleteCollection(
          kc,
          `/${apiVersion.includes('/') ? 'apis' : 'api'}/${apiVersion}/namespaces/${namespace}/${plural}?${selector}`,
        ),
      ),
    );
    const kinds = stage.map(kubectlName).join(',');
    for (;;) {
      const left = (
        await ctx.kubectl(['get', kinds, '-n', namespace, '-l', `${FLEET_LABEL}=${fleet}`, '-o', 'name'])
      ).trim();
      if (!left) break;
      if (Date.now() > deadline)
        throw new Error(
          `objects of fleet ${fleet} still present after ${timeoutMs / 1000} s: ${left.split('\n').length}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * Removes the pool (its objects and its pods' report Leases), which the control plane never
 * deletes: the benchmarks made it, so they take it back.
 */
export async function removePoolObjects(ctx: Pick<BenchContext, 'kubectl' | 'env'>): Promise<void> {
  const { namespace } = ctx.env;
  const kc = new KubeConfig();
  kc.loadFromFile(ctx.env.kubeconfigPath);
  const collections = [
    ...AGENT_KINDS.map(({ apiVersion, plural }) => ({
      apiVersion,
      plural,
      selector: `${POOL_LABEL}=${POOL_NAME}`,
    })),
    { apiVersion: 'coordination.k8s.io/v1', plural: 'leases', selector: `${REPORT_LABEL}=${POOL_NAME}` },
  ];
  await Promise.all(
    collections.map(({ apiVersion, plural, selector }) =>
      deleteCollection(
        kc,
        `/${apiVersion.includes('/') ? 'apis' : 'api'}/${apiVersion}/namespaces/${namespace}/${plural}?labelSelector=${encodeURIComponent(selector)}&propagationPolicy=Background`,
      ),
    ),
  );
}
