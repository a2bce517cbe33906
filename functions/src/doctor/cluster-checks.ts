/**
 * Doctor's cluster section. As the functions' ServiceAccount (FLEETPLANE_KUBECONFIG_DATA): the
 * API server answers, and a SelfSubjectAccessReview allows every row of the control plane's
 * access table. With an admin's read access (KUBECONFIG, else ~/.kube/config): the admission
 * policy and its params (admission-checks.ts), then the bootstrap's objects (cluster-objects-checks.ts), the way in
 * (routing-checks.ts) and cert-manager (cert-manager-checks.ts).
 *
 * Reads only. The views are interfaces (cluster-views.ts); kube-views.ts implements them.
 */
import { type AccessNeed, accessName, CONTROL_PLANE_ACCESS } from '../core/control-plane-access.ts';
import { admissionChecks } from './admission-checks.ts';
import { certManager } from './cert-manager-checks.ts';
import { type CheckResult, checksOf, messageOf } from './check.ts';
import { namespaces, secrets } from './cluster-objects-checks.ts';
import type { AdminClusterView, ClusterCheckInput } from './cluster-views.ts';
import { routing } from './routing-checks.ts';

export type * from './cluster-views.ts';
export { entryAddresses } from './routing-checks.ts';

const { ok, warn, fail } = checksOf('cluster');
const RBAC_FIX = 'kubectl apply -f manifests/10-control-plane-rbac.yaml -f manifests/15-builds.yaml';

async function access(input: ClusterCheckInput): Promise<CheckResult> {
  const { platform, builds } = input.settings;
  const namespaceOf = (need: AccessNeed) =>
    need.scope === 'agents' ? platform.namespace : platform.buildNamespace;
  const needs = CONTROL_PLANE_ACCESS.filter((need) => builds || need.scope === 'agents');
  const allowed = await input.functions.canI(
    needs.map((need) => ({
      namespace: namespaceOf(need),
      group: need.group,
      resource: need.resource,
      ...(need.subresource ? { subresource: need.subresource } : {}),
      verb: need.verb,
    })),
  );
  const denied = needs.filter((_, index) => !allowed[index]);
  if (denied.length)
    return fail(
      'access',
      `the functions' ServiceAccount may not ${denied
        .map((need) => `${need.verb} ${accessName(need)} in ${namespaceOf(need)} (${need.why})`)
        .join('; ')}`,
      RBAC_FIX,
    );
  const where = builds ? `${platform.namespace} and ${platform.buildNamespace}` : platform.namespace;
  return ok(
    'access',
    `the functions' ServiceAccount may do all ${needs.length} things the control plane does in ${where}`,
  );
}

async function adminChecks(input: ClusterCheckInput, admin: AdminClusterView): Promise<CheckResult[]> {
  return [
    ...(await admissionChecks(input, admin)),
    ...(await namespaces(input, admin)),
    ...(await secrets(input, admin)),
    ...(await routing(input, admin)),
    ...(await certManager(input, admin)),
  ];
}

export async function clusterChecks(input: ClusterCheckInput): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  try {
    const version = await input.functions.version();
    results.push(ok('reachable', `the API server answers the functions' kubeconfig (Kubernetes ${version})`));
    results.push(await access(input));
  } catch (error) {
    const message = messageOf(error);
    results.push(
      fail(
        'reachable',
        `the cluster could not be used with the functions' kubeconfig: ${message}`,
        /\b401\b|Unauthorized/i.test(message)
          ? 'the token in FLEETPLANE_KUBECONFIG_DATA is refused: make it again (npx fleetplane kubeconfig --base64, with an admin KUBECONFIG)'
          : 'check FLEETPLANE_KUBECONFIG_DATA (npx fleetplane kubeconfig --base64) and that the cluster answers from here',
      ),
    );
  }
  const { admin } = input;
  if (!admin)
    return [
      ...results,
      warn(
        'admin',
        "namespaces, Secrets, routing and cert-manager were not checked: the functions' ServiceAccount may not read them",
        'give doctor a kubeconfig that may read them: KUBECONFIG=<admin kubeconfig>, or --kubeconfig <file>',
      ),
    ];
  try {
    results.push(...(await adminChecks(input, admin)));
  } catch (error) {
    results.push(
      fail(
        'admin',
        `the admin kubeconfig could not read the cluster: ${messageOf(error)}`,
        'check KUBECONFIG (or --kubeconfig): kubectl get namespaces must work with it',
      ),
    );
  }
  return results;
}
