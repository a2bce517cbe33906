import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runtimeConfigSchema } from '#agent-runtime/contract';
import { agentConfigArb } from '../../../../test/support/arbitrary-config.ts';
import { type AgentSpec, validateAgentConfig } from '../agent-spec.ts';
import { hashOf } from '../hash.ts';
import { DEFAULT_PLATFORM, type PlatformSettings } from '../platform.ts';
import { CONFIG_CHECKSUM_ANNOTATION } from './labels.ts';
import { renderAgent } from './render.ts';

const IMAGE = 'registry.example.com/fleetplane/agent-runtime:3f2a9c1d0b7e';

function specOf(config: unknown): AgentSpec {
  const result = validateAgentConfig(config);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.spec;
}

function render(config: unknown, platform: PlatformSettings = DEFAULT_PLATFORM) {
  const spec = specOf(config);
  return renderAgent({ spec, image: IMAGE, platform, generation: 1, specHash: hashOf(spec) });
}

// biome-ignore lint/suspicious/noExplicitAny: the assertions read deep fields of plain objects
type Loose = any;
const byKind = (objects: ReturnType<typeof render>, kind: string) =>
  objects.find((object) => object.kind === kind) as Loose;
const single = JSON.parse(
  readFileSync(new URL('../../../../examples/single_agent.json', import.meta.url), 'utf8'),
);

describe('the manifests of single_agent.json', () => {
  const objects = render(single);

  it('are ConfigMap, Deployment, Service, Ingress, NetworkPolicy (no HPA or PDB for one fixed replica)', () => {
    expect(objects.map((object) => object.kind)).toEqual([
      'ConfigMap',
      'Deployment',
      'Service',
      'Ingress',
      'NetworkPolicy',
    ]);
  });

  it('match the reviewed snapshot', () => {
    expect(objects).toMatchSnapshot();
  });

  it('run the agent locked down: non-root, read-only root, no capabilities, no token', () => {
    const pod = byKind(objects, 'Deployment').spec.template.spec;
    const container = pod.containers[0];
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.resources).toEqual({
      requests: { cpu: '500m', memory: '512Mi' },
      limits: { cpu: '1', memory: '512Mi' },
    });
  });

  it('probe the runtime under its base path and take the provider key from a Secret', () => {
    const container = byKind(objects, 'Deployment').spec.template.spec.containers[0];
    expect(container.startupProbe.httpGet).toEqual({ path: '/my-assistant/health', port: 'http' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/my-assistant/health', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/my-assistant/ready', port: 'http' });
    expect(container.env).toContainEqual({
      name: 'OPENAI_API_KEY',
      valueFrom: { secretKeyRef: { name: 'fleetplane-provider', key: 'OPENAI_API_KEY' } },
    });
  });

  it('route /my-assistant on the shared host with cert-manager TLS', () => {
    const ingress = byKind(objects, 'Ingress');
    expect(ingress.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt');
    expect(ingress.spec.tls).toEqual([
      { hosts: ['agents.example.com'], secretName: 'fleetplane-agents-tls' },
    ]);
    expect(ingress.spec.rules[0].http.paths[0]).toEqual({
      path: '/my-assistant',
      pathType: 'Prefix',
      backend: { service: { name: 'my-assistant', port: { name: 'http' } } },
    });
    expect(byKind(objects, 'Service').spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
    ]);
  });

  it('mount a runtime config that satisfies the runtime contract', () => {
    const data = byKind(objects, 'ConfigMap').data['agent.json'];
    const runtime = runtimeConfigSchema.parse(JSON.parse(data));
    expect(runtime).toMatchObject({
      name: 'my-assistant',
      basePath: '/my-assistant',
      model: { provider: 'openai', id: 'gpt-4o' },
    });
  });
});

describe('scaling and routing variants', () => {
  it('with autoscale: an HPA owns replicas (left out of the Deployment) and a PDB guards min > 1', () => {
    const objects = render({
      name: 'busy',
      scaling: { autoscale: true, min_replicas: 2, max_replicas: 8, target_cpu_percentage: 60 },
    });
    expect(byKind(objects, 'Deployment').spec).not.toHaveProperty('replicas');
    expect(byKind(objects, 'HorizontalPodAutoscaler').spec).toMatchObject({
      minReplicas: 2,
      maxReplicas: 8,
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'busy' },
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
        },
      ],
    });
    expect(byKind(objects, 'PodDisruptionBudget').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'fleetplane.io/agent': 'busy' } },
    });
  });

  it('with routing "gateway": an HTTPRoute instead of an Ingress', () => {
    const objects = render(single, { ...DEFAULT_PLATFORM, routing: 'gateway' });
    expect(objects.map((object) => object.kind)).not.toContain('Ingress');
    expect(byKind(objects, 'HTTPRoute')).toMatchSnapshot();
  });

  it('with an in-cluster model server: egress opens its port too', () => {
    const objects = render({
      name: 'local-llm',
      env: [{ name: 'OPENAI_BASE_URL', value: 'http://vllm.models:8000/v1' }],
    });
    expect(byKind(objects, 'NetworkPolicy').spec.egress[1].ports).toEqual([
      { protocol: 'TCP', port: 443 },
      { protocol: 'TCP', port: 8000 },
    ]);
  });

  it('rolls the pods when the prompt changes, and only then', () => {
    const checksum = (config: unknown) =>
      byKind(render(config), 'Deployment').spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION];
    expect(checksum(single)).toBe(checksum({ ...single }));
    expect(checksum({ ...single, instruction: 'Be terse.' })).not.toBe(checksum(single));
  });

  it('never puts a secret value into the rendered objects', () => {
    const objects = render({
      name: 'secretive',
      env: [{ name: 'DB_URL', secretRef: { name: 'db', key: 'url' } }],
    });
    const env = byKind(objects, 'Deployment').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'DB_URL', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } });
  });
});

describe('any valid config (property)', () => {
  const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

  it('renders without throwing, with every derived name a DNS label of at most 63 characters', () => {
    fc.assert(
      fc.property(
        agentConfigArb,
        fc.constantFrom<PlatformSettings['routing']>('ingress', 'gateway', 'none'),
        (config, routing) => {
          const objects = render(config, { ...DEFAULT_PLATFORM, routing });
          for (const object of objects) {
            const name = object.metadata?.name as string;
            expect(name).toMatch(DNS_LABEL);
            expect(name.length).toBeLessThanOrEqual(63);
            // Pods are named <deployment>-<10 char hash>-<5 char suffix>.
            if (object.kind === 'Deployment')
              expect(`${name}-0123456789-abcde`.length).toBeLessThanOrEqual(63);
            for (const value of Object.values(object.metadata?.labels ?? {}))
              expect(value.length).toBeLessThanOrEqual(63);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
