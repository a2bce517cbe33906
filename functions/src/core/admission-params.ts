/**
 * The per-installation values of the control plane's admission policy
 * (manifests/12-control-plane-admission.yaml): the ConfigMap `fleetplane-admission` the policy
 * reads as its params. Made from the same settings the functions use, so what the policy admits
 * is what the control plane renders; lists are comma separated, as the policy splits them.
 *
 * Pure. A value missing from the ConfigMap makes the policy fail closed, so every key is always
 * written (an empty list is "").
 */
import type { V1ConfigMap } from '@kubernetes/client-node';
import { POOL_COMMAND, POOL_SERVICE_ACCOUNT } from './pool-objects/deployment.ts';

export const ADMISSION_PARAMS = { name: 'fleetplane-admission', namespace: 'fleetplane-system' } as const;
/** The ServiceAccount the policy fences (manifests/10-control-plane-rbac.yaml). */
export const CONTROL_PLANE_USER = 'system:serviceaccount:fleetplane-system:fleetplane-control-plane';

export interface AdmissionInstallation {
  agentsNamespace: string;
  buildsNamespace: string;
  providerSecrets: string[];
  imagePullSecrets: string[];
  /** `<registry>/agent-runtime` of each registry whose built images agents may run. */
  runtimeRepositories: string[];
  /** Images pinned with FLEETPLANE_RUNTIME_IMAGE. */
  runtimeImages: string[];
  builderImages: string[];
  /** `s3://<bucket>/`: where build contexts are read from. */
  contextPrefix: string;
  /** FLEETPLANE_S3_ENDPOINT ("" for AWS itself) and region. */
  s3Endpoint: string;
  s3Region: string;
  buildS3Secret: string;
  buildRegistrySecret: string;
  domains: string[];
  tlsSecrets: string[];
  gatewayName: string;
  gatewayNamespace: string;
  /** The pool's objects' and ServiceAccount's name ("" admits no pool), and its container's command. */
  poolName: string;
  poolCommand: readonly string[];
}

/**
 * The pool as the control plane renders it (pool-objects/): its objects and its ServiceAccount
 * share one name, which the policy reads as both.
 */
export const RENDERED_POOL = { poolName: POOL_SERVICE_ACCOUNT, poolCommand: POOL_COMMAND } as const;

const list = (values: readonly string[]) => [...new Set(values.filter(Boolean))].join(',');

/** The params ConfigMap's data, every key present, in the manifest's order. */
export function admissionParamsData(installation: AdmissionInstallation): Record<string, string> {
  const i = installation;
  return {
    agentsNamespace: i.agentsNamespace,
    buildsNamespace: i.buildsNamespace,
    providerSecrets: list(i.providerSecrets),
    imagePullSecrets: list(i.imagePullSecrets),
    runtimeRepositories: list(i.runtimeRepositories),
    runtimeImages: list(i.runtimeImages),
    builderImages: list(i.builderImages),
    contextPrefix: i.contextPrefix,
    s3Endpoint: i.s3Endpoint,
    s3Region: i.s3Region,
    buildS3Secret: i.buildS3Secret,
    buildRegistrySecret: i.buildRegistrySecret,
    domains: list(i.domains),
    tlsSecrets: list(i.tlsSecrets),
    gatewayName: i.gatewayName,
    gatewayNamespace: i.gatewayNamespace,
    poolName: i.poolName,
    // WARNING: the policy splits it on spaces, so no word of the command may hold one.
    poolCommand: i.poolCommand.join(' '),
  };
}

export function admissionParams(installation: AdmissionInstallation): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: ADMISSION_PARAMS.name,
      namespace: ADMISSION_PARAMS.namespace,
      labels: { 'app.kubernetes.io/part-of': 'fleetplane' },
    },
    data: admissionParamsData(installation),
  };
}
