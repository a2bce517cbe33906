/**
 * Doctor's checks of what the bootstrap creates (manifests/ and the runbook's Secrets): the
 * namespaces the settings name, with the Pod Security level each must enforce and the label that
 * puts the control plane's writes there under the admission policy, and the Secrets
 * agents and builds read, by their keys (never their values).
 */
import { FENCED_NAMESPACE_LABEL, POD_SECURITY } from '../core/control-plane-access.ts';
import { type CheckResult, checksOf } from './check.ts';
import type { AdminClusterView, ClusterCheckInput } from './cluster-views.ts';

const { ok, fail } = checksOf('cluster');

export async function namespaces(input: ClusterCheckInput, admin: AdminClusterView): Promise<CheckResult[]> {
  const { platform, builds } = input.settings;
  // [name, Pod Security level, fenced: the control plane writes there]
  const wanted: [string, string | undefined, boolean][] = [[platform.namespace, POD_SECURITY.agents, true]];
  if (builds) wanted.push([platform.buildNamespace, POD_SECURITY.builds, true]);
  if (platform.routing === 'gateway') wanted.push([platform.gateway.namespace, undefined, false]);
  const { key, value } = FENCED_NAMESPACE_LABEL;
  const problems: string[] = [];
  for (const [name, level, fenced] of wanted) {
    const labels = await admin.namespaceLabels(name);
    if (!labels) {
      problems.push(`${name} does not exist`);
      continue;
    }
    if (level && labels['pod-security.kubernetes.io/enforce'] !== level)
      problems.push(
        `${name} enforces Pod Security ${labels['pod-security.kubernetes.io/enforce'] ?? '(none)'}, not ${level}`,
      );
    if (fenced && labels[key] !== value)
      problems.push(
        `${name} is not labelled ${key}=${value}, so the admission policy does not fence the control plane there`,
      );
  }
  if (problems.length)
    return [
      fail(
        'namespaces',
        problems.join('; '),
        'kubectl apply -f manifests/00-namespaces.yaml (or create the namespaces the settings name, labelled as it labels them)',
      ),
    ];
  return [
    ok(
      'namespaces',
      wanted
        .map(([name, level, fenced]) => (level ? `${name} (${level}${fenced ? ', fenced' : ''})` : name))
        .join(', ') + ' exist',
    ),
  ];
}

export async function secrets(input: ClusterCheckInput, admin: AdminClusterView): Promise<CheckResult[]> {
  const { platform, builds, job } = input.settings;
  const wanted: { namespace: string; name: string; keys: string[]; fix: string }[] = [
    {
      namespace: platform.namespace,
      name: platform.providerSecret.name,
      keys: [platform.providerSecret.key],
      fix: `kubectl -n ${platform.namespace} create secret generic ${platform.providerSecret.name} --from-literal=${platform.providerSecret.key}=<your model key>`,
    },
  ];
  if (builds)
    wanted.push(
      {
        namespace: platform.buildNamespace,
        name: job.s3Secret,
        keys: ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
        fix: `kubectl -n ${platform.buildNamespace} create secret generic ${job.s3Secret} --from-literal=AWS_ACCESS_KEY_ID=<builds key> --from-literal=AWS_SECRET_ACCESS_KEY=<builds secret>`,
      },
      {
        namespace: platform.buildNamespace,
        name: job.registrySecret,
        keys: ['.dockerconfigjson'],
        fix: `kubectl -n ${platform.buildNamespace} create secret generic ${job.registrySecret} --type=kubernetes.io/dockerconfigjson --from-file=.dockerconfigjson=docker-config.json`,
      },
    );
  if (platform.imagePullSecret)
    wanted.push({
      namespace: platform.namespace,
      name: platform.imagePullSecret,
      keys: ['.dockerconfigjson'],
      fix: `doctl kubernetes cluster registry add <cluster> (it creates ${platform.imagePullSecret} in every namespace), or unset FLEETPLANE_IMAGE_PULL_SECRET`,
    });
  const results: CheckResult[] = [];
  for (const secret of wanted) {
    const keys = await admin.secretKeys(secret.namespace, secret.name);
    const id = secret.name === platform.providerSecret.name ? 'provider-secret' : `secret.${secret.name}`;
    const missing = secret.keys.filter((key) => !keys?.includes(key));
    results.push(
      !keys
        ? fail(id, `the Secret ${secret.namespace}/${secret.name} does not exist`, secret.fix)
        : missing.length
          ? fail(
              id,
              `the Secret ${secret.namespace}/${secret.name} has no key ${missing.join(', ')}`,
              secret.fix,
            )
          : ok(id, `the Secret ${secret.namespace}/${secret.name} holds ${secret.keys.join(', ')}`),
    );
  }
  return results;
}
