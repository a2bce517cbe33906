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
import { renderPool } from '../../functions/src/core/pool-objects/render.ts';
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

const image = `${platform.registry}/agent-runtime:0123456789ab@${digest}`;

function renderedConfig(config: object, routing: PlatformSettings['routing'] = 'ingress'): AgentObject[] {
  const result = validateAgentConfig(config);
  if (!result.ok) throw new Error(`invalid test config: ${JSON.stringify(result)}`);
  return renderAgent({
    spec: result.spec,
    image,
    platform: { ...platform, routing },
    generation: 1,
    specHash: hashOf(result.spec),
  });
}

function rendered(routing: PlatformSettings['routing'] = 'ingress'): AgentObject[] {
  return renderedConfig(
    {
      name: 'fenced',
      scaling: { autoscale: true, min_replicas: 2, max_replicas: 3 },
      env: [{ name: 'DATABASE_URL', secretRef: { name: 'fenced.db', key: 'url' } }],
    },
    routing,
  );
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

/** The pool's objects as the control plane renders them (pool-objects/), for this platform. */
const poolObjects = (routing: PlatformSettings['routing'] = 'ingress') =>
  renderPool({ platform: { ...platform, routing }, image });
const poolObjectOf = <T>(kind: string, routing?: PlatformSettings['routing']) =>
  structuredClone(poolObjects(routing).find((object) => object.kind === kind)) as T;
const poolDeployment = () => poolObjectOf<V1Deployment>('Deployment');
const poolContainer = (d: V1Deployment) =>
  podOf(d).containers[0] as NonNullable<ReturnType<typeof podOf>['containers'][0]>;
const POOL = 'fleetplane-pool';
/** A route's first path, to change one field of it. */
type IngressShape = AgentObject & {
  spec: {
    rules: [
      { http: { paths: [{ path: string; pathType: string; backend: { service: { name: string } } }] } },
    ];
  };
};
type RouteShape = AgentObject & {
  spec: { rules: [{ matches: [{ path: { type: string; value: string } }] }] };
};

describe('the admission policy and the tiers: pooled agents, the pool, tool callers', () => {
  it("admits the pool's objects as rendered (both routings), pooled ConfigMaps, and a tool caller's shapes", async () => {
    for (const routing of ['ingress', 'gateway'] as const)
      for (const object of poolObjects(routing))
        expect({ kind: object.kind, outcome: await dryRunCreate(object) }).toEqual({
          kind: object.kind,
          outcome: 'admitted',
        });
    expect(poolObjects().map((object) => object.kind)).toEqual([
      'Deployment',
      'Service',
      'Ingress',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'NetworkPolicy',
    ]);

    const pooled = renderedConfig({ name: 'fenced', tier: 'pooled' });
    expect(pooled.map((object) => `${object.kind}/${object.metadata?.name}`)).toEqual([
      'ConfigMap/fenced-pooled',
    ]);
    expect(await dryRunCreate(pooled[0] as AgentObject)).toBe('admitted');

    // A caller: pods labelled calls.fleetplane.io/<callee>, tool credentials from its own Secrets.
    const caller = renderedConfig({
      name: 'fenced',
      tools: [
        {
          type: 'http',
          name: 'weather',
          url: 'https://api.weather.example/v1/current?city={city}',
          headers: {
            authorization: { secretRef: { name: 'fenced.weather', key: 'token' }, prefix: 'Bearer ' },
          },
        },
        { type: 'agent', name: 'ask', agent: 'support-bot', apiKey: { name: 'fenced.callee', key: 'key' } },
      ],
    });
    const callerDeployment = caller.find((object) => object.kind === 'Deployment') as V1Deployment;
    expect(callerDeployment.spec?.template.metadata?.labels).toMatchObject({
      'calls.fleetplane.io/support-bot': 'true',
    });
    expect(
      podOf(callerDeployment)
        .containers[0]?.env?.flatMap((e) => e.valueFrom?.secretKeyRef?.name ?? [])
        .sort(),
    ).toEqual(['fenced.callee', 'fenced.weather', 'fleetplane-provider']);
    for (const object of caller)
      expect({ kind: object.kind, outcome: await dryRunCreate(object) }).toEqual({
        kind: object.kind,
        outcome: 'admitted',
      });
  });

  it("denies an agent the pool's token, ServiceAccount or label", async () => {
    const token = deployment();
    podOf(token).automountServiceAccountToken = true;
    podOf(token).serviceAccountName = POOL;
    expect(await dryRunCreate(token)).toMatch(/agents run with no service-account token/);

    // Even without mounting it: the pool's ServiceAccount is the pool's.
    const account = deployment();
    podOf(account).serviceAccountName = POOL;
    expect(await dryRunCreate(account)).toMatch(DENIED);
    expect(await dryRunCreate(account)).toMatch(/agents run with no service-account token/);

    // Pods the pool's Service and NetworkPolicy would take in.
    const joiner = deployment();
    (joiner.spec?.template.metadata?.labels as Record<string, string>)['fleetplane.io/pool'] = POOL;
    expect(await dryRunCreate(joiner)).toMatch(/the pods of an agent may not carry the pool label/);

    // A ConfigMap labelled pooled must be the agent's pooled one, and the other way round.
    const config = objectOf<AgentObject & { metadata: { labels: Record<string, string> } }>('ConfigMap');
    config.metadata.labels['fleetplane.io/tier'] = 'pooled';
    expect(await dryRunCreate(config)).toMatch(
      /is named after it \(<agent>-config, or <agent>-pooled labelled/,
    );
  });

  it('denies a catch-all route under any name but the pool’s, and the pool’s route anywhere but /', async () => {
    const catchAll = objectOf<IngressShape>('Ingress');
    catchAll.spec.rules[0].http.paths[0].path = '/';
    expect(await dryRunCreate(catchAll)).toMatch(DENIED);
    expect(await dryRunCreate(catchAll)).toMatch(
      /an agent Ingress routes only \S+\/fenced to Service fenced/,
    );

    const catchAllRoute = objectOf<RouteShape>('HTTPRoute', 'gateway');
    catchAllRoute.spec.rules[0].matches[0].path.value = '/';
    expect(await dryRunCreate(catchAllRoute)).toMatch(
      /an agent HTTPRoute attaches only to Gateway .* routes only \S+\/fenced to Service fenced/,
    );

    // The pool's own route, renamed: it is no agent's, so no name but the pool's may carry it.
    for (const routing of ['ingress', 'gateway'] as const) {
      const renamed = poolObjectOf<AgentObject & { metadata: { name: string } }>(
        routing === 'ingress' ? 'Ingress' : 'HTTPRoute',
        routing,
      );
      renamed.metadata.name = 'catch-all';
      expect(await dryRunCreate(renamed)).toMatch(/an agent object carries fleetplane\.io\/agent=<agent>/);
    }

    const narrower = poolObjectOf<IngressShape>('Ingress');
    narrower.spec.rules[0].http.paths[0].pathType = 'ImplementationSpecific';
    expect(await dryRunCreate(narrower)).toMatch(
      /the Ingress of the pool routes only \S+\/ \(Prefix\) to Service fleetplane-pool/,
    );

    const narrowerRoute = poolObjectOf<RouteShape>('HTTPRoute', 'gateway');
    narrowerRoute.spec.rules[0].matches[0].path.type = 'Exact';
    expect(await dryRunCreate(narrowerRoute)).toMatch(/the HTTPRoute of the pool attaches only/);

    const elsewhere = poolObjectOf<IngressShape>('Ingress');
    elsewhere.spec.rules[0].http.paths[0].backend.service.name = 'support-bot';
    expect(await dryRunCreate(elsewhere)).toMatch(/to Service fleetplane-pool/);
  });

  it('denies the pool Deployment another Secret, volume, command, container, probe or ServiceAccount', async () => {
    const secret = poolDeployment();
    poolContainer(secret).env?.push({
      name: 'STOLEN',
      valueFrom: { secretKeyRef: { name: 'support-bot.db', key: 'url' } },
    });
    expect(await dryRunCreate(secret)).toMatch(DENIED);
    expect(await dryRunCreate(secret)).toMatch(
      /the pool reads only the Secret .*; refused: STOLEN from Secret support-bot\.db/,
    );

    // Not even a Secret named like the agent `fleetplane-pool` would own.
    const own = poolDeployment();
    poolContainer(own).env?.push({
      name: 'OWN',
      valueFrom: { secretKeyRef: { name: `${POOL}.key`, key: 'k' } },
    });
    expect(await dryRunCreate(own)).toMatch(/refused: OWN from Secret fleetplane-pool\.key/);

    const mounted = poolDeployment();
    podOf(mounted).volumes?.push({ name: 'tls', secret: { secretName: 'fleetplane-agents-tls' } });
    expect(await dryRunCreate(mounted)).toMatch(
      /volume tls is not an emptyDir \(the pool mounts nothing else\)/,
    );

    const config = poolDeployment();
    podOf(config).volumes?.push({ name: 'other', configMap: { name: 'support-bot-config' } });
    expect(await dryRunCreate(config)).toMatch(/volume other is not an emptyDir/);

    const field = poolDeployment();
    poolContainer(field).env?.push({
      name: 'ACCOUNT',
      valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } },
    });
    expect(await dryRunCreate(field)).toMatch(/the environment of the pool is .*; refused: ACCOUNT/);

    const shell = poolDeployment();
    poolContainer(shell).command = ['sh', '-c', 'cat /var/run/secrets/kubernetes.io/serviceaccount/token'];
    expect(await dryRunCreate(shell)).toMatch(
      /the pool runs one container, pool, with the command \[node --max-semi-space-size=2 \/app\/agent-pool\.mjs\] exactly.*\(got pool \[sh -c cat /,
    );

    const args = poolDeployment();
    poolContainer(args).args = ['--require=/tmp/x.js'];
    expect(await dryRunCreate(args)).toMatch(/args \[--require=\/tmp\/x\.js\]\)/);

    const sidecar = poolDeployment();
    podOf(sidecar).containers.push({
      ...structuredClone(poolContainer(sidecar)),
      name: 'sidecar',
      ports: [],
    });
    expect(await dryRunCreate(sidecar)).toMatch(/the pool runs one container, pool/);

    const probe = poolDeployment();
    poolContainer(probe).livenessProbe = { exec: { command: ['sh', '-c', 'true'] } };
    expect(await dryRunCreate(probe)).toMatch(/HTTP probes on \/_pool\/ only/);

    const hook = poolDeployment();
    poolContainer(hook).lifecycle = { postStart: { exec: { command: ['sh', '-c', 'true'] } } };
    expect(await dryRunCreate(hook)).toMatch(/no args or lifecycle hooks/);

    const account = poolDeployment();
    podOf(account).serviceAccountName = 'fleetplane-control-plane';
    expect(await dryRunCreate(account)).toMatch(
      /the pool runs as the ServiceAccount fleetplane-pool \(got fleetplane-control-plane\)/,
    );

    const image = poolDeployment();
    poolContainer(image).image = 'docker.io/library/node:24';
    expect(await dryRunCreate(image)).toMatch(/is not the agent runtime/);
  });

  it("denies the pool's objects about anything but the pool's pods, with an agent's label, or deleted", async () => {
    const agentPods = poolDeployment();
    (agentPods.spec?.template.metadata?.labels as Record<string, string>)['fleetplane.io/agent'] =
      'support-bot';
    expect(await dryRunCreate(agentPods)).toMatch(/the pods of the pool may carry no fleetplane\.io\/agent/);

    const caller = poolDeployment();
    (caller.spec?.template.metadata?.labels as Record<string, string>)['calls.fleetplane.io/support-bot'] =
      'true';
    expect(await dryRunCreate(caller)).toMatch(/or calls\.fleetplane\.io\/ label/);

    const service = poolObjectOf<V1Service>('Service');
    (service.spec as { selector: object }).selector = { 'fleetplane.io/agent': 'support-bot' };
    expect(await dryRunCreate(service)).toMatch(/selects fleetplane\.io\/pool=fleetplane-pool/);

    const policy = poolObjectOf<AgentObject & { spec: { podSelector: object } }>('NetworkPolicy');
    policy.spec.podSelector = {};
    expect(await dryRunCreate(policy)).toMatch(
      /may select only the pods of its agent \(fleetplane\.io\/pool=fleetplane-pool\)/,
    );

    const hpa = poolObjectOf<AgentObject & { spec: { scaleTargetRef: { name: string } } }>(
      'HorizontalPodAutoscaler',
    );
    hpa.spec.scaleTargetRef.name = 'support-bot';
    expect(await dryRunCreate(hpa)).toMatch(/may scale only Deployment fleetplane-pool/);

    // An agent that would be named like the pool: its objects are not the pool's.
    const named = renderedConfig({ name: POOL }).find((object) => object.kind === 'Service') as AgentObject;
    expect(await dryRunCreate(named)).toMatch(
      /the objects of the pool carry fleetplane\.io\/pool=fleetplane-pool and no fleetplane\.io\/agent label/,
    );

    // Deleting: the control plane never deletes the pool (its Role allows deleting Services).
    const path = `${collectionPath('v1', 'services', t.namespace)}/${POOL}`;
    const existed = await admin.json('GET', path).then(
      () => true,
      () => false,
    );
    if (!existed) expect(await dryRunCreate(poolObjectOf('Service'))).toBe('admitted');
    if (!existed)
      await controlPlane.json('POST', collectionPath('v1', 'services', t.namespace), {
        body: poolObjectOf('Service'),
      });
    try {
      const refused = await controlPlane.json('DELETE', path, { query: { dryRun: 'All' } }).then(
        () => 'deleted',
        (error: { code?: number; body?: { message?: string } }) => `${error.code} ${error.body?.message}`,
      );
      expect(refused).toMatch(DENIED);
      expect(refused).toMatch(/the control plane never deletes the objects of the pool/);
    } finally {
      if (!existed) await admin.json('DELETE', path).catch(() => undefined);
    }
  });
});
