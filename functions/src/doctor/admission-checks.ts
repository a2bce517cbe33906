/**
 * Doctor's checks of the control plane's admission policy, with an admin's read access: the
 * ValidatingAdmissionPolicy and its binding are installed, and so are its params (the ConfigMap
 * fleetplane-system/fleetplane-admission) with every value the policy reads. Without its params,
 * or with one value missing (params printed by an older release, for instance), the policy fails
 * closed: the cluster refuses everything the control plane writes.
 *
 * Reads only.
 */
import { ADMISSION_PARAMS, admissionParamsData } from '../core/admission-params.ts';
import { CONTROL_PLANE_ADMISSION_POLICY } from '../core/control-plane-access.ts';
import { admissionInstallationFromEnv } from '../wiring/admission-from-env.ts';
import { type CheckResult, checksOf } from './check.ts';
import type { AdminClusterView, ClusterCheckInput } from './cluster-views.ts';

const { ok, warn, fail } = checksOf('cluster');
const POLICY = CONTROL_PLANE_ADMISSION_POLICY;
const PARAMS = `${ADMISSION_PARAMS.namespace}/${ADMISSION_PARAMS.name}`;
export const ADMISSION_PARAMS_FIX = 'npx fleetplane admission-params | kubectl apply -f -';

async function params(input: ClusterCheckInput, admin: AdminClusterView): Promise<CheckResult> {
  const keys = await admin.configMapKeys(ADMISSION_PARAMS.namespace, ADMISSION_PARAMS.name);
  if (!keys)
    return fail(
      'admission-params',
      `the ValidatingAdmissionPolicy ${POLICY} is installed, but its params, the ConfigMap ${PARAMS}, are not: the cluster refuses everything the control plane writes`,
      ADMISSION_PARAMS_FIX,
    );
  const wanted = Object.keys(admissionParamsData(admissionInstallationFromEnv(input.settings.env)));
  const missing = wanted.filter((key) => !keys.includes(key));
  if (missing.length)
    return fail(
      'admission-params',
      `the admission policy's params ${PARAMS} lack ${missing.join(', ')}: the cluster refuses everything the control plane writes until they hold every value`,
      ADMISSION_PARAMS_FIX,
    );
  return ok('admission-params', `the admission policy's params ${PARAMS} hold all ${wanted.length} values`);
}

export async function admissionChecks(
  input: ClusterCheckInput,
  admin: AdminClusterView,
): Promise<CheckResult[]> {
  const policy = await admin.admissionPolicy(POLICY);
  if (!policy)
    return [
      warn(
        'admission-policy',
        `the ValidatingAdmissionPolicy ${POLICY} is not installed: nothing fences what the control plane's ServiceAccount may create`,
        'kubectl apply -f the admission policy in manifests/, when your checkout has it',
      ),
    ];
  return [
    policy.bound
      ? ok('admission-policy', `the ValidatingAdmissionPolicy ${POLICY} and its binding are installed`)
      : warn(
          'admission-policy',
          `the ValidatingAdmissionPolicy ${POLICY} is installed, but no binding applies it`,
          'kubectl apply -f the admission policy in manifests/, when your checkout has it',
        ),
    await params(input, admin),
  ];
}
