/**
 * The control plane's identity on the test cluster, installed as an operator installs it: the
 * RBAC of manifests/10-control-plane-rbac.yaml and 15-builds.yaml, the admission policy of
 * manifests/12-control-plane-admission.yaml with params for this environment (made by the code of
 * `fleetplane admission-params`, as manifests/11-... would hold them), and a kubeconfig
 * per ServiceAccount that holds only its token (made by `fleetplane kubeconfig`'s own code). Every
 * control plane of the suite uses `controlPlaneKubeconfigPath`, so every flow the suite drives
 * runs as that ServiceAccount, under the policy.
 *
 * The params admit what the suite's control planes render: their registries are
 * `<registry>/<one of TEST_REGISTRY_NAMES>`, their pinned images TEST_RUNTIME_IMAGES, their
 * builders the test builders. Idempotent (server-side apply); must never delete anything.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { IDENTITIES, serviceAccountKubeconfig } from '../../functions/src/cli/kubeconfig.ts';
import { KubeHttp } from '../../functions/src/cluster/kube-http.ts';
import {
  ADMISSION_PARAMS,
  type AdmissionInstallation,
  admissionParams,
  RENDERED_POOL,
} from '../../functions/src/core/admission-params.ts';
import { DEFAULT_KANIKO_IMAGE } from '../../functions/src/core/agent-objects/build-job.ts';
import { sha256Hex } from '../../functions/src/core/hash.ts';
import { DEFAULT_PLATFORM } from '../../functions/src/core/platform.ts';
import { waitFor } from '../support/wait.ts';
import { REPO_ROOT } from './state.ts';
import type { S3Endpoint } from './types.ts';

/** The repositories (under the environment's registry) the suite's control planes push to. */
export const TEST_REGISTRY_NAMES = ['fleetplane', 'builds', 'rbac', 'functions', 'bench'] as const;
export type TestRegistryName = (typeof TEST_REGISTRY_NAMES)[number];

/** FLEETPLANE_REGISTRY for one of them. */
export const testRegistry = (registry: string, name: TestRegistryName) => `${registry}/${name}`;

/** The images the suite pins with FLEETPLANE_RUNTIME_IMAGE (kwok plays them by tag). */
export const testRuntimeImages = (registry: string) =>
  ['test', 'fail-pull', 'crash', 'dry-run'].map((tag) => `${registry}/fleetplane/agent-runtime:${tag}`);

const KANIKO = 'ghcr.io/osscontainertools/kaniko';
/** A digest for the test builders' names (settings and the policy want one); no such image exists. */
const TEST_BUILDER_DIGEST = `sha256:${sha256Hex('fleetplane kaniko stand-in')}`;
/**
 * Builders kwok plays: `:push` waits for the stand-in's push, `:fail` fails as Kaniko does,
 * `:no-digest` completes without reporting a digest.
 */
export const TEST_BUILDERS = {
  push: `${KANIKO}:push@${TEST_BUILDER_DIGEST}`,
  fail: `${KANIKO}:fail@${TEST_BUILDER_DIGEST}`,
  noDigest: `${KANIKO}:no-digest@${TEST_BUILDER_DIGEST}`,
} as const;

/** Secret names the suite's configs name as the platform's provider key. */
const TEST_PROVIDER_SECRETS = [DEFAULT_PLATFORM.providerSecret.name, 'kt-platform.provider'];
/** Hosts the suite's control planes serve agents on. */
const TEST_DOMAINS = ['agents.test.local', DEFAULT_PLATFORM.domain];

export interface IdentityTarget {
  namespace: string;
  buildNamespace: string;
  registry: string;
  s3: S3Endpoint;
}

export function testAdmissionInstallation(target: IdentityTarget): AdmissionInstallation {
  return {
    agentsNamespace: target.namespace,
    buildsNamespace: target.buildNamespace,
    providerSecrets: TEST_PROVIDER_SECRETS,
    imagePullSecrets: [],
    runtimeRepositories: TEST_REGISTRY_NAMES.map(
      (name) => `${testRegistry(target.registry, name)}/agent-runtime`,
    ),
    runtimeImages: testRuntimeImages(target.registry),
    builderImages: [DEFAULT_KANIKO_IMAGE, ...Object.values(TEST_BUILDERS)],
    contextPrefix: `s3://${target.s3.bucket}/`,
    s3Endpoint: target.s3.endpoint,
    s3Region: target.s3.region,
    buildS3Secret: 'fleetplane-build-s3',
    buildRegistrySecret: 'fleetplane-registry-push',
    domains: TEST_DOMAINS,
    tlsSecrets: [DEFAULT_PLATFORM.tlsSecretName],
    gatewayName: DEFAULT_PLATFORM.gateway.name,
    gatewayNamespace: DEFAULT_PLATFORM.gateway.namespace,
    ...RENDERED_POOL,
  };
}

/** The objects of a manifest file, in order, moved to the environment's namespaces. */
async function manifestObjects(file: string, target: IdentityTarget): Promise<KubernetesObject[]> {
  const text = await readFile(join(REPO_ROOT, 'manifests', file), 'utf8');
  const moved: Record<string, string> = {
    agents: target.namespace,
    'fleetplane-builds': target.buildNamespace,
  };
  return parseAllDocuments(text).map((document) => {
    const object = document.toJS() as KubernetesObject;
    const namespace = object.metadata?.namespace;
    if (object.metadata && namespace && moved[namespace]) object.metadata.namespace = moved[namespace];
    return object;
  });
}

export interface InstalledIdentities {
  /** A kubeconfig holding only the control plane ServiceAccount's token. */
  controlPlaneKubeconfigPath: string;
  /** A kubeconfig holding only the health function's ServiceAccount's token. */
  healthKubeconfigPath: string;
}

/**
 * Applies the control plane's RBAC and admission policy with an admin kubeconfig, writes the two
 * identities' kubeconfigs into `dir`, and waits until the API server enforces the policy.
 */
export async function installControlPlaneIdentity(
  adminKubeconfigPath: string,
  target: IdentityTarget,
  dir: string,
): Promise<InstalledIdentities> {
  const admin = new KubeConfig();
  admin.loadFromFile(adminKubeconfigPath);
  const core = admin.makeApiClient(CoreV1Api);
  try {
    await core.createNamespace({
      body: {
        metadata: { name: ADMISSION_PARAMS.namespace, labels: { 'app.kubernetes.io/part-of': 'fleetplane' } },
      },
    });
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 409)) throw error;
  }
  const api = KubernetesObjectApi.makeApiClient(admin);
  // The params as `fleetplane admission-params` makes them, here for this environment.
  const objects = [
    ...(await manifestObjects('10-control-plane-rbac.yaml', target)),
    ...(await manifestObjects('15-builds.yaml', target)),
    admissionParams(testAdmissionInstallation(target)) as KubernetesObject,
    ...(await manifestObjects('12-control-plane-admission.yaml', target)),
  ];
  for (const object of objects) {
    // WARNING: plain JSON through KubeHttp for the policy: client-node's typed models would drop
    // fields they do not know (as they do for CRDs' CEL rules).
    if (object.apiVersion?.startsWith('admissionregistration.k8s.io/'))
      await new KubeHttp(admin).json(
        'PATCH',
        `/apis/${object.apiVersion}/${object.kind === 'ValidatingAdmissionPolicy' ? 'validatingadmissionpolicies' : 'validatingadmissionpolicybindings'}/${object.metadata?.name}`,
        {
          query: { fieldManager: 'fleetplane-testenv', force: 'true' },
          body: object,
          contentType: 'application/apply-patch+yaml',
        },
      );
    else
      await api.patch(
        object,
        undefined,
        undefined,
        'fleetplane-testenv',
        true,
        PatchStrategy.ServerSideApply,
      );
  }

  const adminText = await readFile(adminKubeconfigPath, 'utf8');
  const paths: InstalledIdentities = {
    controlPlaneKubeconfigPath: join(dir, 'control-plane.kubeconfig'),
    healthKubeconfigPath: join(dir, 'health.kubeconfig'),
  };
  for (const [identity, path] of [
    ['control-plane', paths.controlPlaneKubeconfigPath],
    ['health', paths.healthKubeconfigPath],
  ] as const) {
    const { secretName, user } = IDENTITIES[identity];
    const text = await serviceAccountKubeconfig(adminText, {
      namespace: ADMISSION_PARAMS.namespace,
      secretName,
      user,
    });
    if (!existsSync(path) || (await readFile(path, 'utf8')) !== text)
      await writeFile(path, text, { mode: 0o600 });
  }
  await policyEnforced(paths.controlPlaneKubeconfigPath, target.namespace);
  return paths;
}

/**
 * Waits until the API server has loaded the policy: a dry-run Service with externalIPs, sent
 * as the control plane, is refused by it (policies take effect a moment after they are created).
 */
async function policyEnforced(kubeconfigPath: string, namespace: string): Promise<void> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfigPath);
  const http = new KubeHttp(config);
  const probe = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'policy-probe',
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'fleetplane', 'fleetplane.io/agent': 'policy-probe' },
    },
    spec: {
      selector: { 'fleetplane.io/agent': 'policy-probe' },
      ports: [{ port: 80 }],
      externalIPs: ['192.0.2.1'],
    },
  };
  await waitFor(
    'the admission policy to be enforced',
    async () =>
      http
        .json('POST', `/api/v1/namespaces/${namespace}/services`, { query: { dryRun: 'All' }, body: probe })
        .then(
          () => undefined,
          (error: { code?: number; body?: unknown }) => {
            if (error.code === 403 && /ValidatingAdmissionPolicy/.test(JSON.stringify(error.body)))
              return true;
            if (error.code === 403 || error.code === 404) return undefined;
            throw error;
          },
        ),
    60_000,
  );
}
