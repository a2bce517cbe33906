import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runtimeConfigSchema } from '#agent-runtime/contract';
import { agentConfigArb } from '../../../../test/support/arbitrary-config.ts';
import { type AgentSpec, validateAgentConfig } from '../agent-spec.ts';
import { hashOf } from '../hash.ts';
import { DEFAULT_PLATFORM, type PlatformSettings } from '../platform.ts';
import { escapeKubernetes, literalContainer, unescapeKubernetes } from './kubernetes-literal.ts';
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

  it('with an in-cluster model server the platform lists: egress opens its port to its namespace only', () => {
    const vllm = 'http://vllm.models.svc:8000/v1';
    const objects = render(
      { name: 'local-llm', provider: { baseUrl: vllm } },
      { ...DEFAULT_PLATFORM, allowedBaseUrls: [vllm] },
    );
    const egress = byKind(objects, 'NetworkPolicy').spec.egress;
    // Plain http never goes to the internet: `vllm.models.svc` under a search domain of an
    // attacker's choosing would be their host, and the key would cross the internet in clear.
    expect(egress[1].ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(egress[2]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'models' } } }],
      ports: [{ protocol: 'TCP', port: 8000 }],
    });
  });

  it('with an in-cluster base URL of its own (and its own key): no way into the cluster', () => {
    const objects = render({
      name: 'sneaky',
      provider: { baseUrl: 'http://vault.secrets.svc:8200/v1', apiKey: { name: 'sneaky.llm', key: 'k' } },
    });
    const egress = byKind(objects, 'NetworkPolicy').spec.egress;
    expect(egress).toHaveLength(2);
    expect(egress[1].to).toEqual([
      {
        ipBlock: {
          cidr: '0.0.0.0/0',
          except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'],
        },
      },
    ]);
    expect(egress[1].ports).toEqual([{ protocol: 'TCP', port: 443 }]);
  });

  it('with a private address the platform lists: egress opens its port to that address alone', () => {
    const vpcModel = 'http://10.116.0.7:8000/v1';
    const objects = render(
      { name: 'vpc-llm', provider: { baseUrl: vpcModel } },
      { ...DEFAULT_PLATFORM, allowedBaseUrls: [vpcModel] },
    );
    const egress = byKind(objects, 'NetworkPolicy').spec.egress;
    expect(egress[1].ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(egress[2]).toEqual({
      to: [{ ipBlock: { cidr: '10.116.0.7/32' } }],
      ports: [{ protocol: 'TCP', port: 8000 }],
    });
  });

  it('opens the port of an https:// base URL to the internet, and never that of an http:// one', () => {
    const portsOf = (baseUrl: string) =>
      byKind(
        render({ name: 'ported', provider: { baseUrl, apiKey: { name: 'ported.llm', key: 'k' } } }),
        'NetworkPolicy',
      ).spec.egress[1].ports;
    expect(portsOf('https://llm.example.org:8443/v1')).toEqual([
      { protocol: 'TCP', port: 443 },
      { protocol: 'TCP', port: 8443 },
    ]);
    expect(portsOf('http://llm.example.org:8080/v1')).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(portsOf('http://llm.example.org/v1')).toEqual([{ protocol: 'TCP', port: 443 }]);
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
      env: [{ name: 'DB_URL', secretRef: { name: 'secretive.db', key: 'url' } }],
    });
    const env = byKind(objects, 'Deployment').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({
      name: 'DB_URL',
      valueFrom: { secretKeyRef: { name: 'secretive.db', key: 'url' } },
    });
  });
});

describe('strings Kubernetes would expand', () => {
  const containerOf = (config: unknown, platform: PlatformSettings = DEFAULT_PLATFORM) =>
    byKind(render(config, platform), 'Deployment').spec.template.spec.containers[0];
  const envValueOf = (container: Loose, name: string) =>
    (container.env as Loose[]).find((item) => item.name === name)?.value;

  it('renders $(OPENAI_API_KEY) in an env value literally, so the key never lands in LOCALDOMAIN-like values', () => {
    // The attack of issue 18: Kubernetes expands $(VAR) to an earlier variable, here the key.
    const container = containerOf({
      name: 'leaky',
      env: [{ name: 'GREETING', value: '$(OPENAI_API_KEY).x.attacker.example' }],
    });
    expect(envValueOf(container, 'GREETING')).toBe('$$(OPENAI_API_KEY).x.attacker.example');
    expect(unescapeKubernetes(envValueOf(container, 'GREETING'))).toBe(
      '$(OPENAI_API_KEY).x.attacker.example',
    );
  });

  it("renders a base URL's $ literally too, and every other value the platform sets", () => {
    const container = containerOf(
      {
        name: 'leaky-url',
        provider: {
          baseUrl: 'https://llm.example.org/$(OPENAI_API_KEY)/v1',
          apiKey: { name: 'leaky-url.llm', key: 'k' },
        },
      },
      { ...DEFAULT_PLATFORM, consoleOrigin: 'https://console.example.com' },
    );
    expect(envValueOf(container, 'OPENAI_BASE_URL')).toBe('https://llm.example.org/$$(OPENAI_API_KEY)/v1');
    for (const item of container.env as Loose[])
      if (item.value !== undefined) expect(item.value).toMatch(/^(?:[^$]|\$\$)*$/);
    expect(container.command).toBeUndefined();
    expect(container.args).toBeUndefined();
  });

  it('escapes any text so that the kubelet gives back exactly that text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('$', '(', ')', 'A', '_', 'x', '$$', '$(') }), (text) => {
        const escaped = escapeKubernetes(text);
        // Every `$` is doubled: nothing is left for Kubernetes to read as a reference.
        expect(escaped).toMatch(/^(?:[^$]|\$\$)*$/);
        expect(unescapeKubernetes(escaped)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('escapes command and args as well as env values', () => {
    expect(
      literalContainer({
        name: 'c',
        command: ['sh', '$(X)'],
        args: ['$$'],
        env: [{ name: 'A', value: '$' }],
      }),
    ).toEqual({ name: 'c', command: ['sh', '$$(X)'], args: ['$$$$'], env: [{ name: 'A', value: '$$' }] });
  });
});

describe("the model provider's key and base URL", () => {
  const PLATFORM_URL = 'https://inference.do-ai.run/v1';
  const ALLOWED_URL = 'https://models.internal.example/v1';
  const platform: PlatformSettings = {
    ...DEFAULT_PLATFORM,
    openaiBaseUrl: PLATFORM_URL,
    allowedBaseUrls: [ALLOWED_URL],
  };
  const providerEnv = (spec: AgentSpec) => {
    const objects = renderAgent({ spec, image: IMAGE, platform, generation: 1, specHash: 'x' });
    const env = byKind(objects, 'Deployment').spec.template.spec.containers[0].env as Loose[];
    return env.filter((item) => item.name.startsWith('OPENAI_'));
  };
  const platformKey = {
    name: 'OPENAI_API_KEY',
    valueFrom: { secretKeyRef: { name: 'fleetplane-provider', key: 'OPENAI_API_KEY' } },
  };

  it("gives an agent without a provider the platform's key and base URL", () => {
    expect(providerEnv(specOf({ name: 'plain' }))).toEqual([
      platformKey,
      { name: 'OPENAI_BASE_URL', value: PLATFORM_URL },
    ]);
  });

  it("gives an allow-listed base URL the platform's key", () => {
    expect(providerEnv(specOf({ name: 'listed', provider: { baseUrl: `${ALLOWED_URL}/` } }))).toEqual([
      platformKey,
      { name: 'OPENAI_BASE_URL', value: `${ALLOWED_URL}/` },
    ]);
  });

  it('gives a base URL of its own only the agent’s own key', () => {
    const spec = specOf({
      name: 'own',
      provider: { baseUrl: 'https://llm.example.org/v1', apiKey: { name: 'own.llm', key: 'key' } },
    });
    expect(providerEnv(spec)).toEqual([
      { name: 'OPENAI_API_KEY', valueFrom: { secretKeyRef: { name: 'own.llm', key: 'key' } } },
      { name: 'OPENAI_BASE_URL', value: 'https://llm.example.org/v1' },
    ]);
  });

  it('renders no key at all beside a foreign base URL in a spec stored before the rules (fail closed)', () => {
    const stale: AgentSpec = {
      ...specOf({ name: 'stale' }),
      provider: { baseUrl: 'https://capture.example/v1' },
    };
    expect(providerEnv(stale)).toEqual([{ name: 'OPENAI_BASE_URL', value: 'https://capture.example/v1' }]);
    const foreignKey: AgentSpec = {
      ...stale,
      provider: {
        baseUrl: 'https://capture.example/v1',
        apiKey: { name: 'fleetplane-provider', key: 'OPENAI_API_KEY' },
      },
    };
    expect(providerEnv(foreignKey)).toEqual([
      { name: 'OPENAI_BASE_URL', value: 'https://capture.example/v1' },
    ]);
  });

  it('drops reserved names and Secrets that are not the agent’s from a spec stored before the rules', () => {
    const stale: AgentSpec = {
      ...specOf({ name: 'stale', env: [{ name: 'KEPT', value: 'yes' }] }),
      env: [
        { name: 'OPENAI_BASE_URL', value: 'https://capture.example/v1' },
        { name: 'NODE_EXTRA_CA_CERTS', secretRef: { name: 'fleetplane-provider', key: 'OPENAI_API_KEY' } },
        { name: 'STOLEN', secretRef: { name: 'other-agent.keys', key: 'hashes' } },
        { name: 'HTTPS_PROXY', value: 'http://capture.example:3128' },
        { name: 'KEPT', value: 'yes' },
        { name: 'OWN', secretRef: { name: 'stale.db', key: 'url' } },
      ],
      apiKeyHashes: { name: 'fleetplane-agents-tls', key: 'tls.key' },
    };
    const objects = renderAgent({ spec: stale, image: IMAGE, platform, generation: 1, specHash: 'x' });
    const env = byKind(objects, 'Deployment').spec.template.spec.containers[0].env as Loose[];
    expect(env.map((item) => item.name)).toEqual([
      'FLEETPLANE_AGENT_CONFIG',
      'PORT',
      'NODE_ENV',
      'OPENAI_API_KEY',
      'OPENAI_BASE_URL',
      'FLEETPLANE_AGENT_TRUSTED_PROXIES',
      'KEPT',
      'OWN',
    ]);
    expect(env.find((item) => item.name === 'OPENAI_BASE_URL').value).toBe(PLATFORM_URL);
  });

  it('pairs the platform key only with a platform base URL, whatever the spec holds (property)', () => {
    const keyed = [PLATFORM_URL, ALLOWED_URL];
    const secretOf = (agent: string) =>
      fc.constantFrom(
        undefined,
        { name: `${agent}.llm`, key: 'key' },
        { name: 'fleetplane-provider', key: 'OPENAI_API_KEY' },
        { name: 'someone-else.llm', key: 'key' },
      );
    const baseUrlArb = fc.constantFrom(
      undefined,
      PLATFORM_URL,
      `${ALLOWED_URL}/`,
      'https://capture.example/v1',
    );
    let platformKeys = 0;
    fc.assert(
      fc.property(
        agentConfigArb.chain((config) => fc.tuple(fc.constant(config), baseUrlArb, secretOf(config.name))),
        ([config, baseUrl, apiKey]) => {
          // Bypasses validation on purpose: the renderer must hold the line on its own.
          const spec: AgentSpec = { ...specOf(config), provider: { baseUrl, apiKey } };
          const env = providerEnv(spec);
          const key = env.find((item) => item.name === 'OPENAI_API_KEY')?.valueFrom.secretKeyRef.name;
          const sentTo = env.find((item) => item.name === 'OPENAI_BASE_URL')?.value as string;
          if (key === 'fleetplane-provider') {
            platformKeys++;
            expect(keyed).toContain(sentTo.replace(/\/$/, ''));
          } else if (key !== undefined) expect(key).toBe(`${config.name}.llm`);
        },
      ),
      { numRuns: 300 },
    );
    expect(platformKeys).toBeGreaterThan(0);
  });
});

describe('the NetworkPolicy', () => {
  const policyOf = (platform: PlatformSettings) =>
    byKind(render({ name: 'net' }, platform), 'NetworkPolicy').spec;

  it('admits traffic only from the ingress controller, the Gateway, or the namespaces the platform names', () => {
    const from = (platform: PlatformSettings) => policyOf(platform).ingress[0].from;
    const namespace = (name: string) => ({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
    });
    expect(from(DEFAULT_PLATFORM)).toEqual([namespace('ingress-nginx')]);
    expect(from({ ...DEFAULT_PLATFORM, routing: 'gateway' })).toEqual([namespace('fleetplane-system')]);
    expect(from({ ...DEFAULT_PLATFORM, ingressNamespaces: ['envoy-gateway-system', 'monitoring'] })).toEqual([
      namespace('envoy-gateway-system'),
      namespace('monitoring'),
    ]);
    expect(policyOf({ ...DEFAULT_PLATFORM, ingressNamespaces: ['*'] }).ingress).toEqual([
      { ports: [{ protocol: 'TCP', port: 8080 }] },
    ]);
  });

  it('resolves names only through the cluster DNS pods, never port 53 anywhere else', () => {
    expect(policyOf(DEFAULT_PLATFORM).egress[0]).toEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        },
      ],
      ports: [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ],
    });
  });

  it('sends HTTPS nowhere in the deny ranges (RFC 1918, shared, link-local by default; configurable)', () => {
    expect(policyOf(DEFAULT_PLATFORM).egress[1].to[0].ipBlock).toEqual({
      cidr: '0.0.0.0/0',
      except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'],
    });
    expect(
      policyOf({ ...DEFAULT_PLATFORM, egressDenyCidrs: ['10.0.0.0/8'] }).egress[1].to[0].ipBlock,
    ).toEqual({
      cidr: '0.0.0.0/0',
      except: ['10.0.0.0/8'],
    });
    expect(policyOf({ ...DEFAULT_PLATFORM, egressDenyCidrs: [] }).egress[1].to[0].ipBlock).toEqual({
      cidr: '0.0.0.0/0',
    });
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

describe("what an agent's own API allows", () => {
  const agentJson = (platform: PlatformSettings, config: unknown = { name: 'capped', max_tokens: 3000 }) =>
    runtimeConfigSchema.parse(
      JSON.parse(byKind(render(config, platform), 'ConfigMap').data['agent.json'] as string),
    );

  it('carries the platform caps into the runtime config, and clamps a default a lowered cap no longer allows', () => {
    expect(agentJson(DEFAULT_PLATFORM).limits).toMatchObject({
      maxTokensCap: 4096,
      maxChoices: 1,
      authFailuresPerMinute: 10,
      rateLimitPerMinute: 60,
    });
    const lowered = { ...DEFAULT_PLATFORM, agentCaps: { ...DEFAULT_PLATFORM.agentCaps, maxTokens: 1000 } };
    const config = agentJson(lowered);
    expect(config.maxTokens).toBe(1000);
    expect(config.limits.maxTokensCap).toBe(1000);
  });

  it('trusts X-Forwarded-For only from the controller pods, and from nobody when the platform routes nothing', () => {
    const envOf = (platform: PlatformSettings) =>
      (
        byKind(render({ name: 'proxied' }, platform), 'Deployment').spec.template.spec.containers[0]
          .env as Loose[]
      )
        .filter((item) => item.name === 'FLEETPLANE_AGENT_TRUSTED_PROXIES')
        .map((item) => item.value);
    expect(envOf(DEFAULT_PLATFORM)).toEqual(['10.244.0.0/16']);
    const cors = (platform: PlatformSettings) =>
      (
        byKind(render({ name: 'proxied' }, platform), 'Deployment').spec.template.spec.containers[0]
          .env as Loose[]
      )
        .filter((item) => item.name === 'FLEETPLANE_AGENT_CORS_ORIGINS')
        .map((item) => item.value);
    expect(cors(DEFAULT_PLATFORM)).toEqual([]);
    expect(cors({ ...DEFAULT_PLATFORM, consoleOrigin: 'https://console.example.com' })).toEqual([
      'https://console.example.com',
    ]);
    expect(
      envOf({ ...DEFAULT_PLATFORM, agentCaps: { ...DEFAULT_PLATFORM.agentCaps, trustedProxies: [] } }),
    ).toEqual([]);
  });
});
