/**
 * The Secrets of agents this store deleted (`<agent>.*`), for `fleetplane gc`: listed and deleted
 * with the operator's kubeconfig (KUBECONFIG), never the control plane's, which may not read
 * Secrets at all. The listing asks the API server for a Table (name, type, age and metadata), so
 * no Secret's value ever reaches this process. What may go is decided by planSecrets
 * (core/gc-plan.ts); each deletion carries the uid and resourceVersion that were listed, so a
 * Secret changed or re-created since is left alone.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeHttp } from '../cluster/kube-http.ts';
import { planSecrets, type ReleasedAgent, type SecretDecision, type SecretSummary } from '../core/gc-plan.ts';

interface Table {
  columnDefinitions?: { name: string }[];
  rows?: {
    cells?: unknown[];
    object?: {
      metadata?: { name?: string; uid?: string; resourceVersion?: string; creationTimestamp?: string };
    };
  }[];
}

export interface Released {
  namespace: string;
  agents: ReleasedAgent[];
  platformSecrets: string[];
}

function client(kubeconfig: string): KubeHttp {
  const config = new KubeConfig();
  config.loadFromString(kubeconfig);
  return new KubeHttp(config);
}

const secretsPath = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;

/** What gc would do with each Secret named after a released agent. */
export async function releasedSecrets(kubeconfig: string, released: Released): Promise<SecretDecision[]> {
  if (released.agents.length === 0) return [];
  const table = await client(kubeconfig).json<Table>('GET', secretsPath(released.namespace), {
    accept: 'application/json;as=Table;g=meta.k8s.io;v=v1',
    query: { includeObject: 'Metadata' },
  });
  const typeColumn = (table.columnDefinitions ?? []).findIndex((column) => column.name === 'Type');
  const secrets: SecretSummary[] = (table.rows ?? []).flatMap((row) => {
    const metadata = row.object?.metadata;
    if (!metadata?.name) return [];
    const type = typeColumn >= 0 ? row.cells?.[typeColumn] : undefined;
    return [
      {
        name: metadata.name,
        ...(typeof type === 'string' ? { type } : {}),
        ...(metadata.creationTimestamp ? { creationTimestamp: metadata.creationTimestamp } : {}),
        ...(metadata.uid ? { uid: metadata.uid } : {}),
        ...(metadata.resourceVersion ? { resourceVersion: metadata.resourceVersion } : {}),
      },
    ];
  });
  return planSecrets(secrets, released.agents, new Set(released.platformSecrets));
}

/** Deletes the Secrets decided for deletion, each only as it was listed; returns those deleted. */
export async function deleteReleasedSecrets(
  kubeconfig: string,
  namespace: string,
  decisions: readonly SecretDecision[],
): Promise<{ deleted: string[]; changed: string[] }> {
  const http = client(kubeconfig);
  const deleted: string[] = [];
  const changed: string[] = [];
  for (const decision of decisions) {
    if (decision.action !== 'delete') continue;
    const { name, uid, resourceVersion } = decision.secret;
    try {
      await http.json('DELETE', `${secretsPath(namespace)}/${encodeURIComponent(name)}`, {
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          preconditions: { ...(uid ? { uid } : {}), ...(resourceVersion ? { resourceVersion } : {}) },
        },
      });
      deleted.push(name);
    } catch (error) {
      const code = (error as { code?: number }).code;
      // Gone already: nothing to do. Changed or re-created since it was listed: not ours to judge now.
      if (code === 404) continue;
      if (code === 409) changed.push(name);
      else throw error;
    }
  }
  return { deleted, changed };
}
