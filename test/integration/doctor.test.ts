/**
 * `fleetplane doctor` against the test environment: the real store (MinIO), the real registry
 * (basic auth, and the token flow of test/support/token-registry.ts), the real API server with
 * the manifests' ServiceAccount and Roles, and the real control plane's /health. All ok; then
 * broken on purpose, each failure naming the check and the fix: a store that ignores
 * conditional writes, wrong registry credentials, a ServiceAccount missing a verb, a missing
 * namespace, the admission policy's params lacking a value or missing. And as a process: exit codes, JSON, and no secret in anything it prints.
 *
 * What cannot run here is made to stand where it would, and labelled so:
 * - cert-manager: its two CRDs (minimal schemas, stand-ins for the chart's), a ClusterIssuer
 *   whose status says Ready, and a pod labelled as its controller (kwok runs it);
 * - the load balancer and public DNS: a Gateway whose status says Programmed at 127.0.0.1, and
 *   the host `localhost`, which the system's resolver resolves to it;
 * - a public CA: an HTTPS server on loopback with a certificate from a CA of the test's own
 *   (test/support/tls-site.ts), trusted by the doctor run in place of the system's roots;
 * - the DigitalOcean API behind `doctl serverless triggers list`: a function answering what it
 *   answers for a deployed sweep trigger.
 * Objects this file creates are removed afterwards; objects that were already there are left.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runtimeContext } from '../../functions/src/builds/runtime-context.ts';
import { IDENTITIES, serviceAccountKubeconfig } from '../../functions/src/cli/kubeconfig.ts';
import { KubeHttp } from '../../functions/src/cluster/kube-http.ts';
import { ADMISSION_PARAMS } from '../../functions/src/core/admission-params.ts';
import {
  CONTROL_PLANE_ACCESS,
  CONTROL_PLANE_ADMISSION_POLICY,
} from '../../functions/src/core/control-plane-access.ts';
import { shortTag } from '../../functions/src/core/image-ref.ts';
import type { CheckResult } from '../../functions/src/doctor/check.ts';
import { runDoctor } from '../../functions/src/doctor/doctor.ts';
import { type DoctorWiring, wireDoctor } from '../../functions/src/doctor/from-env.ts';
import { netProbes } from '../../functions/src/doctor/net-probes.ts';
import type { StoreProbeTarget } from '../../functions/src/doctor/store-checks.ts';
import { S3Blobs } from '../../functions/src/store/s3-blobs.ts';
import { pushTestImage } from '../env/control.ts';
import { testEnv } from '../env/inject.ts';
import { applyManifestFile } from '../support/apply-manifests.ts';
import { type CliRun, fleetplane } from '../support/cli-process.ts';
import { harness, TEST_TOKEN } from '../support/control-plane-harness.ts';
import { freePort } from '../support/free-port.ts';
import { scratchDir } from '../support/scratch.ts';
import { startTlsSite, type TlsSite } from '../support/tls-site.ts';
import { startTokenRegistry } from '../support/token-registry.ts';
import { waitFor } from '../support/wait.ts';

const run = randomUUID().slice(0, 6);
const manifest = (file: string) => new URL(`../../manifests/${file}`, import.meta.url).pathname;
const b64 = (text: string) => Buffer.from(text).toString('base64');
const SA_NAMESPACE = 'fleetplane-system';
const GATEWAY = `doctor-${run}`;
const ISSUER = `doctor-${run}`;
const CERT_MANAGER_NS = `doctor-cm-${run}`;

let http: KubeHttp;
let site: TlsSite;
let env: Record<string, string>;
let stopHealth: () => Promise<void>;
/** Admin API paths of what this file created, deleted in reverse order afterwards. */
const created: string[] = [];

const kube = <T = unknown>(method: string, path: string, body?: unknown, contentType?: string) =>
  http.json<T>(method, path, {
    ...(body === undefined ? {} : { body }),
    ...(contentType ? { contentType } : {}),
  });
const exists = (path: string) =>
  kube('GET', path).then(
    () => true,
    (error: { code?: number }) => {
      if (error.code === 404) return false;
      throw error;
    },
  );

/** Creates an object at `collection` unless `path` exists; remembers it for removal when it made it. */
async function ensure(collection: string, path: string, body: object): Promise<void> {
  if (await exists(path)) return;
  await kube('POST', collection, body);
  created.push(path);
}

const preserved = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
/** A stand-in for one of cert-manager's CRDs: its names and scope, any fields. */
const certManagerCrd = (plural: string, kind: string, scope: 'Cluster' | 'Namespaced') => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.cert-manager.io` },
  spec: {
    group: 'cert-manager.io',
    scope,
    names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: preserved },
      },
    ],
  },
});

const condition = (type: string, reason: string) => ({
  type,
  status: 'True',
  reason,
  message: 'set by the doctor test, standing in for the controller',
  lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
});

/** The control plane's ServiceAccount's Roles, for a second ServiceAccount, minus what `drop` names. */
async function serviceAccountWithout(name: string, drop: { resource: string; verb: string }) {
  const objects = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: SA_NAMESPACE } },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: {
        name: `${name}-token`,
        namespace: SA_NAMESPACE,
        annotations: { 'kubernetes.io/service-account.name': name },
      },
    },
  ];
  await kube('POST', `/api/v1/namespaces/${SA_NAMESPACE}/serviceaccounts`, objects[0]);
  created.push(`/api/v1/namespaces/${SA_NAMESPACE}/serviceaccounts/${name}`);
  await kube('POST', `/api/v1/namespaces/${SA_NAMESPACE}/secrets`, objects[1]);
  created.push(`/api/v1/namespaces/${SA_NAMESPACE}/secrets/${name}-token`);
  for (const namespace of [testEnv().namespace, testEnv().buildNamespace]) {
    const role = await kube<{ rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }>(
      'GET',
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles/fleetplane-control-plane`,
    );
    const rules = role.rules.map((rule) => ({
      ...rule,
      verbs: rule.resources.includes(drop.resource)
        ? rule.verbs.filter((verb) => verb !== drop.verb)
        : rule.verbs,
    }));
    const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}`;
    await kube('POST', `${rbac}/roles`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name },
      rules,
    });
    created.push(`${rbac}/roles/${name}`);
    await kube('POST', `${rbac}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: SA_NAMESPACE }],
    });
    created.push(`${rbac}/rolebindings/${name}`);
  }
  return serviceAccountKubeconfig(readFileSync(testEnv().kubeconfigPath, 'utf8'), {
    namespace: SA_NAMESPACE,
    secretName: `${name}-token`,
  });
}

/** Doctor with the settings `env` and overrides, as the command wires it, with the admin kubeconfig. */
function doctor(settings: Record<string, string>, overrides: DoctorWiring['overrides'] = {}) {
  const { sections, secrets } = wireDoctor({
    env: settings,
    envFile: '.env (the test)',
    adminKubeconfig: testEnv().kubeconfigPath,
    overrides: {
      net: netProbes({ ca: site.caPem }),
      triggers: async () => [
        { name: 'sweep-every-minute', function: 'fleetplane/sweep', enabled: true, cron: '* * * * *' },
      ],
      ...overrides,
    },
  });
  return runDoctor({ sections, secrets });
}
const find = (checks: CheckResult[], id: string) => checks.find((check) => check.id === id);
const explain = (checks: CheckResult[]) =>
  checks.map((c) => `${c.status} ${c.id}: ${c.summary}${c.fix ? ` (fix: ${c.fix})` : ''}`).join('\n');

const local =
  !testEnv().external && testEnv().namespace === 'agents' && testEnv().buildNamespace === 'fleetplane-builds';

beforeAll(async () => {
  const t = testEnv();
  if (!local) return;
  const admin = new KubeConfig();
  admin.loadFromFile(t.kubeconfigPath);
  http = new KubeHttp(admin);
  for (const file of ['00-namespaces.yaml', '10-control-plane-rbac.yaml', '15-builds.yaml'])
    await applyManifestFile(t.kubeconfigPath, manifest(file));
  const saKubeconfig = await serviceAccountKubeconfig(readFileSync(t.kubeconfigPath, 'utf8'), {
    namespace: SA_NAMESPACE,
    secretName: IDENTITIES['control-plane'].secretName,
  });
  // The health function's identity, as `fleetplane kubeconfig --for health` makes it.
  const healthKubeconfig = await serviceAccountKubeconfig(readFileSync(t.kubeconfigPath, 'utf8'), {
    namespace: SA_NAMESPACE,
    ...IDENTITIES.health,
  });

  // The Secrets agents and builds read, as the runbook creates them.
  const secret = (namespace: string, name: string, data: Record<string, string>, type = 'Opaque') =>
    ensure(`/api/v1/namespaces/${namespace}/secrets`, `/api/v1/namespaces/${namespace}/secrets/${name}`, {
      apiVersion: 'v1',
      kind: 'Secret',
      type,
      metadata: { name },
      stringData: data,
    });
  await secret(t.namespace, 'fleetplane-provider', { OPENAI_API_KEY: 'sk-doctor-test' });
  await secret(t.buildNamespace, 'fleetplane-build-s3', {
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'y',
  });
  await secret(
    t.buildNamespace,
    'fleetplane-registry-push',
    { '.dockerconfigjson': t.registryDockerConfig ?? '{"auths":{}}' },
    'kubernetes.io/dockerconfigjson',
  );

  // cert-manager, standing in: its CRDs, a Ready ClusterIssuer, and its controller's pod.
  const crds = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  await ensure(
    crds,
    `${crds}/certificates.cert-manager.io`,
    certManagerCrd('certificates', 'Certificate', 'Namespaced'),
  );
  await ensure(
    crds,
    `${crds}/clusterissuers.cert-manager.io`,
    certManagerCrd('clusterissuers', 'ClusterIssuer', 'Cluster'),
  );
  await waitFor('cert-manager CRDs served', () => exists('/apis/cert-manager.io/v1/clusterissuers'));
  const issuers = '/apis/cert-manager.io/v1/clusterissuers';
  await ensure(issuers, `${issuers}/${ISSUER}`, {
    apiVersion: 'cert-manager.io/v1',
    kind: 'ClusterIssuer',
    metadata: { name: ISSUER },
    spec: { acme: { server: 'https://acme.invalid/directory', email: 'ops@example.com' } },
  });
  await kube(
    'PATCH',
    `${issuers}/${ISSUER}/status`,
    { status: { conditions: [condition('Ready', 'ACMEAccountRegistered')] } },
    'application/merge-patch+json',
  );
  await ensure('/api/v1/namespaces', `/api/v1/namespaces/${CERT_MANAGER_NS}`, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: CERT_MANAGER_NS },
  });
  await waitFor('default ServiceAccount', () =>
    exists(`/api/v1/namespaces/${CERT_MANAGER_NS}/serviceaccounts/default`),
  );
  // As the chart renders config.enableGatewayAPI=true: a ControllerConfiguration in a ConfigMap, mounted.
  await kube('POST', `/api/v1/namespaces/${CERT_MANAGER_NS}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cert-manager' },
    data: {
      'config.yaml':
        'apiVersion: controller.config.cert-manager.io/v1alpha1\nkind: ControllerConfiguration\nenableGatewayAPI: true\n',
    },
  });
  await kube('POST', `/api/v1/namespaces/${CERT_MANAGER_NS}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'cert-manager-controller',
      labels: { 'app.kubernetes.io/name': 'cert-manager', 'app.kubernetes.io/component': 'controller' },
    },
    spec: {
      containers: [
        {
          name: 'cert-manager-controller',
          image: 'quay.io/jetstack/cert-manager-controller:v1.21.1',
          args: ['--config=/var/cert-manager/config/config.yaml'],
          volumeMounts: [{ name: 'config', mountPath: '/var/cert-manager/config' }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'cert-manager' } }],
    },
  });
  created.push(`/api/v1/namespaces/${CERT_MANAGER_NS}/pods/cert-manager-controller`);
  await waitFor('the controller pod started', async () =>
    Boolean(
      (
        await kube<{ status?: { startTime?: string } }>(
          'GET',
          `/api/v1/namespaces/${CERT_MANAGER_NS}/pods/cert-manager-controller`,
        )
      ).status?.startTime,
    ),
  );

  // The Gateway, Programmed at 127.0.0.1 as a controller would report its load balancer.
  const gateways = `/apis/gateway.networking.k8s.io/v1/namespaces/${SA_NAMESPACE}/gateways`;
  await ensure(gateways, `${gateways}/${GATEWAY}`, {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: GATEWAY, annotations: { 'cert-manager.io/cluster-issuer': ISSUER } },
    spec: {
      gatewayClassName: 'doctor-test',
      listeners: [
        { name: 'http', hostname: 'localhost', port: 80, protocol: 'HTTP' },
        {
          name: 'https',
          hostname: 'localhost',
          port: 443,
          protocol: 'HTTPS',
          tls: { mode: 'Terminate', certificateRefs: [{ name: 'fleetplane-agents-tls' }] },
        },
      ],
    },
  });
  await kube(
    'PATCH',
    `${gateways}/${GATEWAY}/status`,
    {
      status: {
        addresses: [{ type: 'IPAddress', value: '127.0.0.1' }],
        conditions: [condition('Accepted', 'Accepted'), condition('Programmed', 'Programmed')],
      },
    },
    'application/merge-patch+json',
  );

  // The admission policy, its binding and its params: the test environment installed them as an
  // operator does (test/env/control-plane-identity.ts), and the suite's control planes run under them.

  // This release's image, as a finished build leaves it.
  const repository = `doctor-${run}/agent-runtime`;
  await pushTestImage(t.registry, repository, shortTag((await runtimeContext()).tag));

  // The deployed control plane's /health, in process on a port.
  const plane = harness();
  const port = await freePort();
  const server = serve({ fetch: plane.app.fetch, port, hostname: '127.0.0.1' });
  stopHealth = () => new Promise<void>((resolve) => server.close(() => resolve()));

  site = await startTlsSite({ names: ['localhost'], days: 60 });
  env = {
    FLEETPLANE_STORE: `s3://${t.s3.bucket}/doctor-${run}`,
    FLEETPLANE_S3_ENDPOINT: t.s3.endpoint,
    FLEETPLANE_S3_REGION: t.s3.region,
    AWS_ACCESS_KEY_ID: t.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: t.s3.secretAccessKey,
    FLEETPLANE_KUBECONFIG_DATA: b64(saKubeconfig),
    FLEETPLANE_HEALTH_KUBECONFIG_DATA: b64(healthKubeconfig),
    FLEETPLANE_API_TOKEN_HASHES: createHash('sha256').update(TEST_TOKEN).digest('hex'),
    FLEETPLANE_NAMESPACE: t.namespace,
    FLEETPLANE_BUILD_NAMESPACE: t.buildNamespace,
    FLEETPLANE_REGISTRY: `${t.registry}/doctor-${run}`,
    FLEETPLANE_REGISTRY_DOCKER_CONFIG: b64(t.registryDockerConfig ?? ''),
    FLEETPLANE_ROUTING: 'gateway',
    FLEETPLANE_GATEWAY_NAME: GATEWAY,
    FLEETPLANE_GATEWAY_NAMESPACE: SA_NAMESPACE,
    FLEETPLANE_DOMAIN: 'localhost',
    FLEETPLANE_PUBLIC_URL: `https://localhost:${site.port}`,
    FLEETPLANE_URL: `http://127.0.0.1:${port}`,
  };
}, 180_000);

afterAll(async () => {
  await site?.stop();
  await stopHealth?.();
  if (!http) return;
  for (const path of created.reverse())
    await kube('DELETE', path).catch((error: { code?: number }) => {
      if (error.code !== 404) throw error;
    });
  // The namespace goes once its pod is gone: wait, so that no later run meets a terminating one.
  await waitFor(
    'the stand-in cert-manager namespace gone',
    async () => !(await exists(`/api/v1/namespaces/${CERT_MANAGER_NS}`)),
  );
}, 120_000);

describe.runIf(local)('fleetplane doctor against the test environment', () => {
  it('is all ok: every section, every check', async () => {
    const report = await doctor(env);
    expect(
      report.checks.filter((c) => c.status !== 'ok'),
      explain(report.checks),
    ).toEqual([]);
    expect(report.checks.map((c) => c.id)).toEqual([
      'settings.file',
      'settings.valid',
      'settings.domain',
      'settings.registry',
      'store.bucket',
      'store.write-conditions',
      'store.part-get',
      'store.cleanup',
      'registry.auth',
      'registry.push',
      'registry.image',
      'cluster.reachable',
      'cluster.access',
      'cluster.admission-policy',
      'cluster.admission-params',
      'cluster.namespaces',
      'cluster.provider-secret',
      'cluster.secret.fleetplane-build-s3',
      'cluster.secret.fleetplane-registry-push',
      'cluster.routing',
      'cluster.cert-manager',
      'cluster.issuer',
      'cluster.gateway-api-enabled',
      'cluster.gateway-api-order',
      'dns.resolves',
      'dns.tls',
      'functions.env',
      'functions.trigger',
      'functions.health',
    ]);
    expect(find(report.checks, 'cluster.access')?.summary).toBe(
      `the functions' ServiceAccount may do all ${CONTROL_PLANE_ACCESS.length} things the control plane does in agents and fleetplane-builds`,
    );
    expect(find(report.checks, 'registry.image')?.summary).toMatch(
      /^this release's image .* is built and reachable$/,
    );
    expect(find(report.checks, 'dns.resolves')?.summary).toBe(
      "localhost resolves to 127.0.0.1, the load balancer's address",
    );
    expect(report.ok).toBe(true);
  });

  it('changes nothing it does not put back: no scratch key stays in the bucket', async () => {
    const t = testEnv();
    const blobs = new S3Blobs({
      bucket: t.s3.bucket,
      prefix: `doctor-${run}`,
      endpoint: t.s3.endpoint,
      region: t.s3.region,
      credentials: { accessKeyId: t.s3.accessKeyId, secretAccessKey: t.s3.secretAccessKey },
    });
    await doctor(env);
    expect((await blobs.list('')).keys).toEqual([]);
  });

  it('fails a store that ignores conditional writes, naming what it ignores and what to do', async () => {
    const t = testEnv();
    const real = new S3Blobs({
      bucket: t.s3.bucket,
      prefix: `doctor-${run}-ignoring`,
      endpoint: t.s3.endpoint,
      region: t.s3.region,
      credentials: { accessKeyId: t.s3.accessKeyId, secretAccessKey: t.s3.secretAccessKey },
    });
    // Such servers exist but cannot run here: the real bucket, with every write's condition dropped.
    const ignoring: StoreProbeTarget = Object.assign(Object.create(real) as S3Blobs, {
      put: (key: string, body: string | Uint8Array) => real.put(key, body, {}),
    });
    const report = await doctor(env, { store: ignoring });
    expect(find(report.checks, 'store.write-conditions')).toEqual({
      section: 'store',
      id: 'store.write-conditions',
      status: 'fail',
      summary:
        'the store accepted writes it must refuse: it ignores If-None-Match and If-Match, so two deploys at once could overwrite each other; the control plane refuses to run on it',
      fix: 'use a backend that enforces conditional writes (AWS S3, a recent MinIO); on DigitalOcean Spaces, contact support, as its docs do not say it does',
    });
    expect(report.ok).toBe(false);
    expect((await real.list('')).keys).toEqual([]);
  });

  it('fails wrong registry credentials, basic and token flow, naming the setting and never the password', async () => {
    const t = testEnv();
    const wrong = (host: string, username: string) =>
      b64(JSON.stringify({ auths: { [host]: { auth: b64(`${username}:wrong-password-${run}`) } } }));
    const basic = await doctor({
      ...env,
      FLEETPLANE_REGISTRY_DOCKER_CONFIG: wrong(t.registry, t.registryAuth?.username ?? 'x'),
    });
    expect(find(basic.checks, 'registry.auth')).toMatchObject({
      status: 'fail',
      summary: expect.stringMatching(/refused the credentials in FLEETPLANE_REGISTRY_DOCKER_CONFIG/),
      fix: expect.stringMatching(/^make a new docker config \(doctl registry docker-config --read-write/),
    });
    const registry = await startTokenRegistry({ stateFile: t.stateFile });
    try {
      const viaToken = {
        ...env,
        FLEETPLANE_REGISTRY: `${registry.host}/doctor-${run}`,
        FLEETPLANE_REGISTRY_DOCKER_CONFIG: b64(registry.dockerConfig),
      };
      const right = await doctor(viaToken);
      expect(right.checks.filter((c) => c.section === 'registry').map((c) => `${c.id} ${c.status}`)).toEqual([
        'registry.auth ok',
        'registry.push ok',
        'registry.image warn',
      ]);
      // The registry names the actions in no fixed order (it keeps them in a Go map): pull and push.
      const pullAndPush = (scope: string) => {
        const actions = scope.slice(scope.lastIndexOf(':') + 1).split(',');
        return actions.includes('pull') && actions.includes('push');
      };
      expect(registry.tokenRequests.some((r) => r.scopes.some(pullAndPush) && r.grantedTo)).toBe(true);
      const refused = await doctor({
        ...viaToken,
        FLEETPLANE_REGISTRY_DOCKER_CONFIG: wrong(registry.host, registry.username),
      });
      expect(find(refused.checks, 'registry.auth')).toMatchObject({
        status: 'fail',
        summary: expect.stringMatching(
          /the token service of 127\.0\.0\.1:\d+ refused the credentials in FLEETPLANE_REGISTRY_DOCKER_CONFIG \(HTTP 401\)/,
        ),
      });
      expect(JSON.stringify(refused)).not.toContain(`wrong-password-${run}`);
    } finally {
      await registry.stop();
    }
  });

  it('fails a ServiceAccount that may not do one thing the control plane does, naming it', async () => {
    const partial = await serviceAccountWithout(`doctor-partial-${run}`, {
      resource: 'deployments',
      verb: 'delete',
    });
    const report = await doctor({ ...env, FLEETPLANE_KUBECONFIG_DATA: b64(partial) });
    expect(find(report.checks, 'cluster.access')).toEqual({
      section: 'cluster',
      id: 'cluster.access',
      status: 'fail',
      summary:
        "the functions' ServiceAccount may not delete deployments.apps in agents (delete an agent, and what its config no longer asks for)",
      fix: 'kubectl apply -f manifests/10-control-plane-rbac.yaml -f manifests/15-builds.yaml',
    });
  });

  it('fails a namespace that does not exist, naming it', async () => {
    const report = await doctor({ ...env, FLEETPLANE_BUILD_NAMESPACE: `doctor-absent-${run}` });
    expect(find(report.checks, 'cluster.namespaces')).toMatchObject({
      status: 'fail',
      summary: `doctor-absent-${run} does not exist`,
      fix: expect.stringMatching(/^kubectl apply -f manifests\/00-namespaces\.yaml/),
    });
    expect(find(report.checks, 'cluster.access')?.summary).toMatch(
      new RegExp(`may not create jobs\\.batch in doctor-absent-${run}`),
    );
  });

  it("fails the admission policy's params when one lacks a value or they are missing, saying to print them", async () => {
    // Files run one at a time, so no other test writes while the params are away; put back below.
    const path = `/api/v1/namespaces/${ADMISSION_PARAMS.namespace}/configmaps/${ADMISSION_PARAMS.name}`;
    const saved = await kube<{ metadata: { labels?: Record<string, string> }; data: Record<string, string> }>(
      'GET',
      path,
    );
    const fix = 'npx fleetplane admission-params | kubectl apply -f -';
    try {
      // As a release before the pooled tier printed them.
      await kube(
        'PATCH',
        path,
        { data: { poolName: null, poolCommand: null } },
        'application/merge-patch+json',
      );
      const older = await doctor(env);
      expect(find(older.checks, 'cluster.admission-params')).toEqual({
        section: 'cluster',
        id: 'cluster.admission-params',
        status: 'fail',
        summary:
          "the admission policy's params fleetplane-system/fleetplane-admission lack poolName, poolCommand: the cluster refuses everything the control plane writes until they hold every value",
        fix,
      });

      await kube('DELETE', path);
      const missing = await doctor(env);
      expect(find(missing.checks, 'cluster.admission-params')).toEqual({
        section: 'cluster',
        id: 'cluster.admission-params',
        status: 'fail',
        summary: `the ValidatingAdmissionPolicy ${CONTROL_PLANE_ADMISSION_POLICY} is installed, but its params, the ConfigMap fleetplane-system/fleetplane-admission, are not: the cluster refuses everything the control plane writes`,
        fix,
      });
      expect(missing.ok).toBe(false);
    } finally {
      if (await exists(path)) await kube('PATCH', path, { data: saved.data }, 'application/merge-patch+json');
      else
        await kube('POST', `/api/v1/namespaces/${ADMISSION_PARAMS.namespace}/configmaps`, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { ...ADMISSION_PARAMS, labels: saved.metadata.labels ?? {} },
          data: saved.data,
        });
    }
    expect(find((await doctor(env)).checks, 'cluster.admission-params')?.status).toBe('ok');
  });

  it('as a process: exit 0 and a JSON report when nothing fails, exit 1 and the failing line otherwise; no secret printed', async () => {
    const dir = await scratchDir('fleetplane-doctor-');
    const file = join(dir, '.env');
    const write = (settings: Record<string, string>) =>
      writeFile(
        file,
        Object.entries(settings)
          .map(([key, value]) => `${key}=${value}`)
          .join('\n'),
      );
    const doctorCli = (...args: string[]): Promise<CliRun> =>
      fleetplane(['doctor', '--env-file', file, '--kubeconfig', testEnv().kubeconfigPath, ...args]);
    await write(env);
    const good = await doctorCli('--only', 'settings,store,registry,cluster', '-o', 'json');
    expect(good.code, good.stdout + good.stderr).toBe(0);
    const report = JSON.parse(good.stdout) as { ok: boolean; checks: CheckResult[] };
    expect(report.ok).toBe(true);
    expect([...new Set(report.checks.map((c) => c.section))]).toEqual([
      'settings',
      'store',
      'registry',
      'cluster',
    ]);
    await write({ ...env, AWS_SECRET_ACCESS_KEY: `not-the-key-${run}` });
    const bad = await doctorCli('--only', 'store');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^ {2}fail {2}bucket +the store at s3:\/\/.* cannot be used: .*refused/m);
    expect(bad.stdout).toMatch(/^ +fix: check FLEETPLANE_S3_ENDPOINT/m);
    expect(bad.stdout).toMatch(/^0 ok, 0 warning\(s\), 1 failed$/m);
    for (const secret of [
      `not-the-key-${run}`,
      env.AWS_SECRET_ACCESS_KEY,
      env.FLEETPLANE_KUBECONFIG_DATA,
      env.FLEETPLANE_HEALTH_KUBECONFIG_DATA,
    ] as string[])
      for (const output of [good.stdout, good.stderr, bad.stdout, bad.stderr])
        expect(output).not.toContain(secret);
  });
});
