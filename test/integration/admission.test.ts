/**
 * The control plane's admission policy (manifests/12-control-plane-admission.yaml) on the real API
 * server of the test environment, which installed it with the control plane's RBAC: as the
 * control plane's ServiceAccount (its token, the kubeconfig every control plane of the suite
 * uses), the shapes the control plane renders are admitted and every shape that would hand a
 * stolen token more than its job is denied with the policy's message, naming the rule and the
 * value. Requests are dry runs (dryRun=All runs admission and writes nothing), except the
 * deletion of an object that is not the control plane's, which must be refused for real.
 *
 * These shapes were all accepted before the policy existed: RBAC lets the ServiceAccount create
 * Deployments, Services and Jobs, and a pod spec may mount any Secret of its namespace.
 */
import { readFileSync } from 'node:fs';
import { KubeConfig, type V1Deployment, type V1Job, type V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { collectionPath, KubeHttp } from '../../functions/src/cluster/kube-http.ts';
import { buildJob, DEFAULT_BUILD_JOB_SETTINGS } from '../../functions/src/core/agent-objects/build-job.ts';
import { renderAgent } from '../../functions/src/core/agent-objects/render.ts';
import type { AgentObject } from '../../functions/src/core/agent-objects/types.ts';
import { validateAgentConfig } from '../../functions/src/core/agent-spec.ts';
import { hashOf, sha256Hex } from '../../functions/src/core/hash.ts';
import { DEFAULT_PLATFORM, type PlatformSettings } from '../../functions/src/core/platform.ts';
import { testRegistry } from '../env/control-plane-identity.ts';
import { testEnv } from '../env/inject.ts';

const t = testEnv();
const as = (path: string) => {
  const config = new KubeConfig();
  config.loadFromString(readFileSync(path, 'utf8'));
  return new KubeHttp(config);
};
const controlPlane = as(t.controlPlaneKubeconfigPath);
const admin = as(t.kubeconfigPath);

const PLURALS: Record<string, string> = {
  ConfigMap: 'configmaps',
  Deployment: 'deployments',
  Service: 'services',
  Ingress: 'ingresses',
  HTTPRoute: 'httproutes',
  HorizontalPodAutoscaler: 'horizontalpodautoscalers',
  PodDisruptionBudget: 'poddisruptionbudgets',
  NetworkPolicy: 'networkpolicies',
  Job: 'jobs',
};

type Sendable = { apiVersion?: string; kind?: string; metadata?: { namespace?: string; name?: string } };

/** A dry-run create as `who`: 'admitted', or the status and message of the refusal. */
async function dryRunCreate(object: Sendable, who = controlPlane): Promise<string> {
  const path = collectionPath(
    object.apiVersion ?? '',
    PLURALS[object.kind ?? ''] ?? '',
    object.metadata?.namespace ?? '',
  );
  return who.json('POST', path, { query: { dryRun: 'All' }, body: object }).then(
    () => 'admitted',
    (error: { code?: number; body?: { message?: string } }) => `${error.code} ${error.body?.message ?? ''}`,
  );
}

const DENIED =
  /^403 \S+ "[^"]+" is forbidden: ValidatingAdmissionPolicy 'fleetplane-control-plane' with binding 'fleetplane-control-plane' denied request: /;

const digest = `sha256:${sha256Hex('an image')}`;
const platform: PlatformSettings = {
  ...DEFAULT_PLATFORM,
  namespace: t.namespace,
  buildNamespace: t.buildNamespace,
  domain: 'agents.test.local',
  registry: testRegistry(t.registry, 'fleetplane'),
};

function rendered(routing: PlatformSettings['routing'] = 'ingress'): AgentObject[] {
  const result = validateAgentConfig({
    name: 'fenced',
    scaling: { autoscale: true, min_replicas: 2, max_replicas: 3 },
    env: [{ name: 'DATABASE_URL', secretRef: { name: 'fenced.db', key: 'url' } }],
  });
  if (!result.ok) throw new Error('invalid test config');
  return renderAgent({
    spec: result.spec,
    image: `${platform.registry}/agent-runtime:0123456789ab@${digest}`,
    platform: { ...platform, routing },
    generation: 1,
    specHash: hashOf(result.spec),
  });
}
const objectOf = <T>(kind: string, routing?: PlatformSettings['routing']) =>
  structuredClone(rendered(routing).find((object) => object.kind === kind)) as T;
const deployment = () => objectOf<V1Deployment>('Deployment');
const podOf = (d: V1Deployment) =>
  d.spec?.template.spec as NonNullable<NonNullable<V1Deployment['spec']>['template']['spec']>;

/** The Kaniko container of a build Job, to change one field of it. */
function kanikoOf(build: V1Job): { image: string; args: string[]; env: { name: string; value?: string }[] } {
  const container = build.spec?.template.spec?.containers[0];
  if (!container?.args || !container.env) throw new Error('the build Job has no Kaniko container');
  return container as { image: string; args: string[]; env: { name: string; value?: string }[] };
}

const job = (): V1Job =>
  buildJob({
    tag: 'ab'.repeat(32),
    registry: testRegistry(t.registry, 'builds'),
    namespace: t.buildNamespace,
    contextUrl: `s3://${t.s3.bucket}/admission/builds/${'ab'.repeat(32)}.tar.gz`,
    s3: { endpoint: t.s3.endpoint, region: t.s3.region },
    settings: DEFAULT_BUILD_JOB_SETTINGS,
  });

describe("the control plane's admission policy, as its ServiceAccount", () => {
  it('admits every object the control plane renders: both routings, an autoscaled agent, a build Job', async () => {
    for (const routing of ['ingress', 'gateway'] as const)
      for (const object of rendered(routing))
        expect({ kind: object.kind, outcome: await dryRunCreate(object) }).toEqual({
          kind: object.kind,
          outcome: 'admitted',
        });
    expect(await dryRunCreate(job())).toBe('admitted');
  });

  it('denies a Deployment that mounts or reads a Secret that is not the agent’s, naming it', async () => {
    const provider = deployment();
    podOf(provider).volumes?.push({ name: 'key', secret: { secretName: 'fleetplane-provider' } });
    expect(await dryRunCreate(provider)).toMatch(DENIED);
    expect(await dryRunCreate(provider)).toMatch(
      /volume key is neither the ConfigMap of the agent \(fenced-config\) nor an emptyDir/,
    );

    const tls = deployment();
    podOf(tls).volumes?.push({
      name: 'tls',
      projected: { sources: [{ secret: { name: 'fleetplane-agents-tls' } }] },
    });
    expect(await dryRunCreate(tls)).toMatch(/volume tls is neither/);

    const another = deployment();
    podOf(another).containers[0]?.env?.push({
      name: 'STOLEN',
      valueFrom: { secretKeyRef: { name: 'support-bot.db', key: 'url' } },
    });
    expect(await dryRunCreate(another)).toMatch(DENIED);
    expect(await dryRunCreate(another)).toMatch(/refused: STOLEN from Secret support-bot\.db/);

    const whole = deployment();
    (podOf(whole).containers[0] as { envFrom?: unknown[] }).envFrom = [
      { secretRef: { name: 'fleetplane-provider' } },
    ];
    expect(await dryRunCreate(whole)).toMatch(/envFrom is not allowed/);

    const host = deployment();
    podOf(host).volumes?.push({ name: 'root', hostPath: { path: '/' } });
    expect(await dryRunCreate(host)).toMatch(/volume root is neither/);
  });

  it('denies another image, a runtime image not pinned by digest, a service-account token, host namespaces and privilege', async () => {
    const image = (reference: string) => {
      const d = deployment();
      (podOf(d).containers[0] as { image: string }).image = reference;
      return d;
    };
    expect(await dryRunCreate(image('docker.io/library/busybox:latest'))).toMatch(
      /image docker\.io\/library\/busybox:latest is not the agent runtime/,
    );
    expect(await dryRunCreate(image(`${platform.registry}/agent-runtime:0123456789ab`))).toMatch(
      /is not the agent runtime/,
    );
    expect(
      await dryRunCreate(image(`${platform.registry}/agent-runtime-evil:0123456789ab@${digest}`)),
    ).toMatch(/is not the agent runtime/);

    const token = deployment();
    podOf(token).automountServiceAccountToken = true;
    expect(await dryRunCreate(token)).toMatch(/agents run with no service-account token/);

    const network = deployment();
    podOf(network).hostNetwork = true;
    expect(await dryRunCreate(network)).toMatch(/host network, PID and IPC/);

    const resolver = deployment();
    podOf(resolver).dnsConfig = { nameservers: ['203.0.113.53'] };
    expect(await dryRunCreate(resolver)).toMatch(/DNS overrides are not allowed/);

    const privileged = deployment();
    (podOf(privileged).containers[0] as { securityContext: object }).securityContext = { privileged: true };
    expect(await dryRunCreate(privileged)).toMatch(/may not be privileged/);

    const capable = deployment();
    (podOf(capable).containers[0] as { securityContext: object }).securityContext = {
      capabilities: { add: ['NET_ADMIN'] },
    };
    expect(await dryRunCreate(capable)).toMatch(/add capabilities/);

    // Pods that look like another agent's: its Service and NetworkPolicy would take them in.
    // (The Deployment's own labels stay the agent's: the renderer shares one labels object.)
    const impostor = deployment();
    const template = impostor.spec?.template.metadata as { labels: Record<string, string> };
    template.labels = { ...template.labels, 'fleetplane.io/agent': 'support-bot' };
    (impostor.spec?.selector as { matchLabels: object }).matchLabels = {
      'fleetplane.io/agent': 'support-bot',
    };
    expect(await dryRunCreate(impostor)).toMatch(
      /its pods must be selected and labelled by fleetplane\.io\/agent=fenced/,
    );
  });

  it('denies a Service with externalIPs, of another type, or selecting pods that are not the agent’s', async () => {
    const external = objectOf<V1Service>('Service');
    (external.spec as { externalIPs?: string[] }).externalIPs = ['203.0.113.7'];
    expect(await dryRunCreate(external)).toMatch(DENIED);
    expect(await dryRunCreate(external)).toMatch(
      /no externalIPs or external name \(got type ClusterIP, externalIPs 203\.0\.113\.7\)/,
    );
    // The policy fences the control plane only: an admin may still make such a Service.
    expect(await dryRunCreate(external, admin)).toBe('admitted');

    const nodePort = objectOf<V1Service>('Service');
    (nodePort.spec as { type: string }).type = 'NodePort';
    expect(await dryRunCreate(nodePort)).toMatch(/got type NodePort/);

    const hijack = objectOf<V1Service>('Service');
    (hijack.spec as { selector: object }).selector = { 'fleetplane.io/agent': 'support-bot' };
    expect(await dryRunCreate(hijack)).toMatch(/selects fleetplane\.io\/agent=fenced/);
  });

  it('denies a build Job with another image, other arguments, another Secret, or outside the builds namespace', async () => {
    const other = job();
    kanikoOf(other).image = 'docker.io/library/busybox:latest';
    expect(await dryRunCreate(other)).toMatch(DENIED);
    expect(await dryRunCreate(other)).toMatch(
      /image docker\.io\/library\/busybox:latest is not a builder the platform lists/,
    );

    const unpinned = job();
    (unpinned.spec?.template.spec?.containers[0] as { image: string }).image =
      'ghcr.io/osscontainertools/kaniko:v1.28.3';
    expect(await dryRunCreate(unpinned)).toMatch(/is not a builder the platform lists/);

    const elsewhere = job();
    const { args } = kanikoOf(elsewhere);
    args[args.findIndex((arg) => arg.startsWith('--destination='))] =
      '--destination=attacker.example/x:0123456789ab';
    expect(await dryRunCreate(elsewhere)).toMatch(
      /builder arguments --destination=attacker\.example\/x:0123456789ab are not/,
    );

    const context = job();
    kanikoOf(context).args[0] = `--context=s3://other-bucket/builds/${'ab'.repeat(32)}.tar.gz`;
    expect(await dryRunCreate(context)).toMatch(/builder arguments --context=s3:\/\/other-bucket/);

    const secret = job();
    secret.spec?.template.spec?.volumes?.push({
      name: 'push',
      secret: { secretName: 'fleetplane-provider' },
    });
    expect(await dryRunCreate(secret)).toMatch(/mounts only Secret fleetplane-registry-push/);

    const endpoint = job();
    const s3 = kanikoOf(endpoint).env.find((item) => item.name === 'S3_ENDPOINT');
    if (s3) s3.value = 'https://collector.attacker.example';
    expect(await dryRunCreate(endpoint)).toMatch(/a build reads only the store endpoint/);

    // The Role grants no Jobs outside the builds namespace: RBAC refuses before the policy does.
    const inAgents = job();
    (inAgents.metadata as { namespace: string }).namespace = t.namespace;
    expect(await dryRunCreate(inAgents)).toMatch(/^403 /);
  });

  it('denies routes, policies and autoscalers about anything but the agent', async () => {
    const ingress = objectOf<AgentObject & { metadata: { annotations: Record<string, string> } }>('Ingress');
    ingress.metadata.annotations['nginx.ingress.kubernetes.io/configuration-snippet'] =
      'more_set_headers "x: y";';
    expect(await dryRunCreate(ingress)).toMatch(/no controller annotations/);

    const route = objectOf<AgentObject & { spec: { parentRefs: { name: string }[] } }>(
      'HTTPRoute',
      'gateway',
    );
    (route.spec.parentRefs[0] as { name: string }).name = 'internal-gateway';
    expect(await dryRunCreate(route)).toMatch(/attaches only to Gateway fleetplane-system\/fleetplane/);

    const policy = objectOf<AgentObject & { spec: { podSelector: object } }>('NetworkPolicy');
    policy.spec.podSelector = {};
    expect(await dryRunCreate(policy)).toMatch(/may select only the pods of its agent/);

    const hpa = objectOf<AgentObject & { spec: { scaleTargetRef: { name: string } } }>(
      'HorizontalPodAutoscaler',
    );
    hpa.spec.scaleTargetRef.name = 'support-bot';
    expect(await dryRunCreate(hpa)).toMatch(/may scale only Deployment fenced/);

    const config = objectOf<AgentObject & { metadata: { name: string } }>('ConfigMap');
    config.metadata.name = 'kube-root-ca.crt';
    expect(await dryRunCreate(config)).toMatch(/is named after it/);
  });

  it('refuses to delete what is not the control plane’s, though its Role allows deleting that kind', async () => {
    const name = `not-ours-${Date.now().toString(36)}`;
    await admin.json('POST', collectionPath('v1', 'configmaps', t.namespace), {
      body: { metadata: { name, namespace: t.namespace }, data: { keep: 'me' } },
    });
    try {
      const refused = await controlPlane
        .json('DELETE', `${collectionPath('v1', 'configmaps', t.namespace)}/${name}`)
        .then(
          () => 'deleted',
          (error: { code?: number; body?: { message?: string } }) => `${error.code} ${error.body?.message}`,
        );
      expect(refused).toMatch(DENIED);
      expect(refused).toMatch(
        /may not be deleted by the control plane: it is not labelled app\.kubernetes\.io\/managed-by=fleetplane/,
      );
      expect(
        await admin.json('GET', `${collectionPath('v1', 'configmaps', t.namespace)}/${name}`),
      ).toMatchObject({
        data: { keep: 'me' },
      });
    } finally {
      await admin
        .json('DELETE', `${collectionPath('v1', 'configmaps', t.namespace)}/${name}`)
        .catch(() => undefined);
    }
  });
});
