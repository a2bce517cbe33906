/** Applies a YAML file of manifests with an admin kubeconfig (server-side apply), as `kubectl apply` would. */
import { readFile } from 'node:fs/promises';
import {
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';

export async function applyManifestFile(kubeconfigPath: string, file: string): Promise<string[]> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const api = KubernetesObjectApi.makeApiClient(config);
  const objects = parseAllDocuments(await readFile(file, 'utf8')).map(
    (document) => document.toJS() as KubernetesObject,
  );
  const applied: string[] = [];
  for (const object of objects) {
    await api.patch(object, undefined, undefined, 'fleetplane-test', true, PatchStrategy.ServerSideApply);
    applied.push(`${object.kind}/${object.metadata?.name}`);
  }
  return applied;
}
