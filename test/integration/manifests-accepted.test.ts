/**
 * What the renderer produces is what a real API server accepts: server-side apply with
 * dryRun=All in the agents namespace, which enforces the `restricted` Pod Security Standard.
 * Every example, and a few hundred generated valid configs under both routing modes.
 */

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  loadYaml,
  PatchStrategy,
  type V1Deployment,
  type V1Pod,
  type V1ResourceRequirements,
} from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { KubeCluster } from '../../functions/src/cluster/kube-cluster.ts';
import { buildJob, DEFAULT_BUILD_JOB_SETTINGS } from '../../functions/src/core/agent-objects/build-job.ts';
import { renderAgent } from '../../functions/src/core/agent-objects/render.ts';
import type { AgentObject } from '../../functions/src/core/agent-objects/types.ts';
import { validateAgentConfig } from '../../functions/src/core/agent-spec.ts';
import { checkDeployBody } from '../../functions/src/core/deploy-request.ts';
import { hashOf } from '../../functions/src/core/hash.ts';
import { DEFAULT_PLATFORM, type PlatformSettings } from '../../functions/src/core/platform.ts';
import { testEnv } from '../env/inject.ts';
import { applyManifestFile } from '../support/apply-manifests.ts';
import { agentConfigArb } from '../support/arbitrary-config.ts';
import { waitFor } from '../support/wait.ts';

/** A Pod from the Deployment's template: Pod Security admission judges Pods, not Deployments. */
function podOf(objects: AgentObject[]): AgentObject {
  const deployment = objects.find((object) => object.kind === 'Deployment') as V1Deployment;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${deployment.metadata?.name}-probe`,
      namespace: deployment.metadata?.namespace,
      labels: { probe: 'true' },
    },
    spec: deployment.spec?.template.spec,
  } as unknown as AgentObject;
}

const example = (file: string) =>
  JSON.parse(readFileSync(new URL(`../../examples/${file}`, import.meta.url), 'utf8'));

function setup() {
  const t = testEnv();
  const dryRun = new KubeCluster({
    kubeconfig: readFileSync(t.kubeconfigPath, 'utf8'),
    namespace: t.namespace,
    dryRun: true,
  });
  const platform = (routing: PlatformSettings['routing']): PlatformSettings => ({
    ...DEFAULT_PLATFORM,
    namespace: t.namespace,
    routing,
  });
  return { dryRun, platform, image: `${t.registry}/fleetplane/agent-runtime:dry-run` };
}

describe('the API server accepts every rendered manifest (server-side apply, dryRun=All, restricted namespace)', () => {
  it('for every example, with Ingress and with HTTPRoute', async () => {
    const { dryRun, platform, image } = setup();
    const specs = [example('single_agent.json'), ...example('deploy_multiple_agents.json').agents].map(
      (config) => {
        const checked = checkDeployBody(config);
        if (!checked.ok || !checked.agents[0]?.ok) throw new Error(`example ${config.name} is invalid`);
        return checked.agents[0].spec;
      },
    );
    for (const routing of ['ingress', 'gateway'] as const)
      for (const spec of specs) {
        const objects = renderAgent({
          spec,
          image,
          platform: platform(routing),
          generation: 1,
          specHash: hashOf(spec),
        });
        const applied = await dryRun.apply([...objects, podOf(objects)], []);
        expect(applied.map((object) => object.kind)).toEqual([
          ...objects.map((object) => object.kind),
          'Pod',
        ]);
      }
    // And nothing was created: it was a dry run.
    expect(
      (await dryRun.observe({})).objects.filter((ref) => specs.some((spec) => spec.name === ref.agent)),
    ).toEqual([]);
  });

  it('for 200 generated valid configs', async () => {
    const { dryRun, platform, image } = setup();
    let applied = 0;
    await fc.assert(
      fc.asyncProperty(
        agentConfigArb,
        fc.constantFrom<PlatformSettings['routing']>('ingress', 'gateway', 'none'),
        async (config, routing) => {
          const result = validateAgentConfig(config);
          if (!result.ok)
            throw new Error(`generator produced an invalid config: ${JSON.stringify(result.errors)}`);
          const objects = renderAgent({
            spec: result.spec,
            image,
            platform: platform(routing),
            generation: 1,
            specHash: hashOf(result.spec),
          });
          applied += (await dryRun.apply([...objects, podOf(objects)], [])).length;
        },
      ),
      { numRuns: 200 },
    );
    expect(applied).toBeGreaterThanOrEqual(200 * 5);
  }, 600_000);

  it('with every network setting in play: in-cluster and VPC model servers, named ingress namespaces, custom deny ranges', async () => {
    const { dryRun, platform, image } = setup();
    const vllm = 'http://vllm.models.svc.cluster.local:8000/v1';
    const variants: [PlatformSettings, unknown][] = [
      [
        {
          ...platform('gateway'),
          allowedBaseUrls: [vllm],
          ingressNamespaces: ['envoy-gateway-system', 'monitoring'],
          egressDenyCidrs: ['10.0.0.0/8', '172.16.0.0/12', '169.254.0.0/16'],
        },
        { name: 'net-vllm', provider: { baseUrl: vllm } },
      ],
      [
        // A model server in the VPC the platform lists: its /32 beside the default deny ranges.
        { ...platform('ingress'), allowedBaseUrls: ['http://10.116.0.7:8000/v1'] },
        { name: 'net-vpc', provider: { baseUrl: 'http://10.116.0.7:8000/v1' } },
      ],
      [
        { ...platform('none'), ingressNamespaces: ['*'], egressDenyCidrs: [] },
        {
          name: 'net-open',
          provider: {
            baseUrl: 'https://llm.example.org:8443/v1',
            apiKey: { name: 'net-open.llm', key: 'k' },
          },
        },
      ],
    ];
    for (const [settings, config] of variants) {
      const result = validateAgentConfig(config);
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      const objects = renderAgent({
        spec: result.spec,
        image,
        platform: settings,
        generation: 1,
        specHash: 'x',
      });
      const policy = objects.find((object) => object.kind === 'NetworkPolicy') as AgentObject;
      const [applied] = await dryRun.apply([policy], []);
      expect(applied?.kind).toBe('NetworkPolicy');
    }
  });

  it('while the namespace really enforces restricted: a pod without our security context is refused', async () => {
    const { dryRun, platform, image } = setup();
    const result = validateAgentConfig({ name: 'lax' });
    if (!result.ok) throw new Error('fixture');
    const pod = podOf(
      renderAgent({ spec: result.spec, image, platform: platform('none'), generation: 1, specHash: 'x' }),
    ) as unknown as {
      spec: { securityContext?: unknown; containers: { securityContext?: unknown }[] };
    };
    delete pod.spec.securityContext;
    for (const container of pod.spec.containers) delete container.securityContext;
    await expect(dryRun.apply([pod as unknown as AgentObject], [])).rejects.toThrow(
      /violates PodSecurity "restricted/,
    );
  });
});

describe('the agents namespace limits (manifests/40-agent-limits.yaml) on a real API server', () => {
  it('are accepted, refuse a container over the LimitRange and a LoadBalancer, and admit an agent at every maximum', async () => {
    const t = testEnv();
    const config = new KubeConfig();
    config.loadFromFile(t.kubeconfigPath);
    const objects = KubernetesObjectApi.makeApiClient(config);
    const core = config.makeApiClient(CoreV1Api);
    // A namespace of its own: the shared agents namespace of the other tests stays unbounded.
    const namespace = `limits-${randomUUID().slice(0, 8)}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    try {
      const file = new URL('../../manifests/40-agent-limits.yaml', import.meta.url);
      const manifests = parseAllDocuments(readFileSync(file, 'utf8')).map(
        (document) => document.toJS() as KubernetesObject,
      );
      expect(manifests.map((object) => `${object.kind}/${object.metadata?.namespace}`)).toEqual([
        'LimitRange/agents',
        'ResourceQuota/agents',
      ]);
      // As the control plane does (kube-cluster.ts): client-node's models rename some wire
      // fields (a LimitRange item's `default` is `_default`) and drop them unless loaded into them.
      const asModel = (object: KubernetesObject) => loadYaml<KubernetesObject>(JSON.stringify(object));
      for (const object of manifests)
        await objects.patch(
          { ...asModel(object), metadata: { ...object.metadata, namespace } },
          undefined,
          undefined,
          'fleetplane-test',
          true,
          PatchStrategy.ServerSideApply,
        );
      // Quota admission refuses everything until the controller has computed the quota's status.
      await waitFor('quota status', async () =>
        Boolean(
          (await core.readNamespacedResourceQuota({ name: 'fleetplane-agents', namespace })).status?.hard,
        ),
      );

      const pod = (name: string, resources?: V1ResourceRequirements): V1Pod => ({
        metadata: { name, namespace },
        spec: {
          containers: [
            { name: 'agent', image: 'registry.invalid/agent:1', ...(resources ? { resources } : {}) },
          ],
        },
      });
      await expect(
        core.createNamespacedPod({
          namespace,
          body: pod('over', { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '5', memory: '1Gi' } }),
        }),
      ).rejects.toMatchObject({
        code: 403,
        body: expect.stringMatching(/maximum cpu usage per Container is 4, but limit is 5/),
      });
      await expect(
        core.createNamespacedPod({
          namespace,
          body: pod('over-memory', {
            requests: { cpu: '1', memory: '1Gi' },
            limits: { cpu: '1', memory: '9Gi' },
          }),
        }),
      ).rejects.toMatchObject({
        code: 403,
        body: expect.stringMatching(/maximum memory usage per Container is 8Gi/),
      });
      await expect(
        core.createNamespacedService({
          namespace,
          body: { metadata: { name: 'public' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } },
        }),
      ).rejects.toMatchObject({
        code: 403,
        body: expect.stringMatching(/exceeded quota.*services.loadbalancers/),
      });

      // An agent at every per-agent maximum fits; a container that sets nothing gets the defaults.
      const result = validateAgentConfig({
        name: 'at-max',
        resources: { cpu: '2', memory: '4Gi', limits: { cpu: '4', memory: '8Gi' } },
      });
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      const deployment = renderAgent({
        spec: result.spec,
        image: 'registry.invalid/agent:1',
        platform: { ...DEFAULT_PLATFORM, namespace },
        generation: 1,
        specHash: 'x',
      }).find((object) => object.kind === 'Deployment') as V1Deployment;
      const atMax = await core.createNamespacedPod({
        namespace,
        body: { metadata: { name: 'at-max', namespace }, spec: deployment.spec?.template.spec },
      });
      expect(atMax.spec?.containers[0]?.resources?.limits).toEqual({ cpu: '4', memory: '8Gi' });
      const bare = await core.createNamespacedPod({ namespace, body: pod('bare') });
      expect(bare.spec?.containers[0]?.resources).toEqual({
        requests: { cpu: '100m', memory: '128Mi' },
        limits: { cpu: '500m', memory: '512Mi' },
      });
    } finally {
      await core.deleteNamespace({ name: namespace });
    }
  });
});

describe('the API server accepts the Kaniko build Job (server-side apply, dryRun=All, baseline namespace)', () => {
  const t = testEnv();
  // manifests/00-namespaces.yaml labels the builds namespace by these names.
  it.skipIf(t.buildNamespace !== 'fleetplane-builds' || t.namespace !== 'agents')(
    'as rendered, and its pod under baseline; restricted (the agents namespace) would refuse it, baseline refuses a privileged one',
    async () => {
      await applyManifestFile(
        t.kubeconfigPath,
        new URL('../../manifests/00-namespaces.yaml', import.meta.url).pathname,
      );
      const { dryRun } = setup();
      const tag = 'cb843678afbed4f0d97cd0012c020d37f0f25082a1572dc7dfaa510ef3552403';
      const job = buildJob({
        tag,
        registry: 'registry.digitalocean.com/acme',
        namespace: t.buildNamespace,
        contextUrl: `s3://${t.s3.bucket}/prod/builds/${tag}.tar.gz`,
        s3: { endpoint: 'https://fra1.digitaloceanspaces.com', region: 'fra1' },
        fleet: '0123456789abcdef',
        settings: DEFAULT_BUILD_JOB_SETTINGS,
      });
      const pod = (namespace: string) =>
        ({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'build-probe', namespace },
          spec: { ...job.spec?.template.spec },
        }) as unknown as AgentObject;
      const applied = await dryRun.apply([job as unknown as AgentObject, pod(t.buildNamespace)], []);
      expect(applied.map((object) => `${object.kind}/${object.name}`)).toEqual([
        'Job/build-cb843678afbe',
        'Pod/build-probe',
      ]);
      // Defaulted by the server, as it will run.
      expect((applied[0]?.live as { spec?: { backoffLimit?: number } })?.spec?.backoffLimit).toBe(0);
      await expect(dryRun.apply([pod(t.namespace)], [])).rejects.toThrow(/violates PodSecurity "restricted/);
      // And the builds namespace does enforce baseline: a privileged pod is refused there.
      const privileged = pod(t.buildNamespace) as unknown as {
        spec: { containers: { securityContext?: object }[] };
      };
      privileged.spec.containers = privileged.spec.containers.map((c) => ({
        ...c,
        securityContext: { privileged: true },
      }));
      await expect(dryRun.apply([privileged as unknown as AgentObject], [])).rejects.toThrow(
        /violates PodSecurity "baseline/,
      );
    },
  );
});
