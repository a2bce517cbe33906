/**
 * The cluster bootstrap in manifests/ holds together: the admission policy fences every kind the
 * control plane's Roles let it write, reads only params that `fleetplane admission-params` writes
 * (and the manifest's own ConfigMap lists), names every denial; the health identity is bound to
 * nothing; the builds namespace reaches only DNS and HTTPS on public addresses; the PROXY
 * protocol objects fit the Gateway. (test/integration/admission.test.ts runs the policy itself on
 * a real API server.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  ADMISSION_PARAMS,
  admissionParamsData,
  CONTROL_PLANE_USER,
} from '../../functions/src/core/admission-params.ts';
import { DEFAULT_KANIKO_IMAGE } from '../../functions/src/core/agent-objects/build-job.ts';
import { AGENT_KINDS } from '../../functions/src/core/agent-objects/types.ts';
import { FENCED_NAMESPACE_LABEL } from '../../functions/src/core/control-plane-access.ts';
import { admissionInstallationFromEnv } from '../../functions/src/wiring/admission-from-env.ts';

// biome-ignore lint/suspicious/noExplicitAny: manifests are read as plain YAML
type Any = any;
const manifest = (file: string): Any[] =>
  parseAllDocuments(readFileSync(new URL(`../../manifests/${file}`, import.meta.url), 'utf8')).map((d) =>
    d.toJS(),
  );
const admission = manifest('12-control-plane-admission.yaml');
const [params] = manifest('11-control-plane-admission-params.yaml');
const policy = admission.find((o) => o.kind === 'ValidatingAdmissionPolicy');
const binding = admission.find((o) => o.kind === 'ValidatingAdmissionPolicyBinding');
const expressions = (): string[] => [
  ...policy.spec.variables.map((v: Any) => v.expression),
  ...policy.spec.validations.flatMap((v: Any) => [v.expression, v.messageExpression]),
];

describe('the admission policy', () => {
  it('reads exactly the params `fleetplane admission-params` writes, which the example manifest lists', () => {
    const generated = admissionParamsData(admissionInstallationFromEnv({}));
    expect(Object.keys(params.data)).toEqual(Object.keys(generated));
    expect(admission.map((o) => o.kind)).toEqual([
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
    ]);
    expect(params.metadata).toMatchObject(ADMISSION_PARAMS);
    expect(params.data.builderImages).toBe(DEFAULT_KANIKO_IMAGE);
    // The pool as pool-objects/ renders it, in the example as in what the command prints.
    expect({ poolName: params.data.poolName, poolCommand: params.data.poolCommand }).toEqual({
      poolName: generated.poolName,
      poolCommand: generated.poolCommand,
    });
    expect(generated).toMatchObject({
      poolName: 'fleetplane-pool',
      poolCommand: 'node --max-semi-space-size=2 /app/agent-pool.mjs',
    });
    const read = new Set(
      expressions().flatMap((e) => [...e.matchAll(/params\.data\.(\w+)/g)].map((m) => m[1])),
    );
    expect([...read].filter((key) => !((key as string) in generated))).toEqual([]);
    expect(Object.keys(generated).filter((key) => !read.has(key))).toEqual([]);
  });

  it('fences the control plane ServiceAccount alone, fails closed, and is bound to its params', () => {
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConditions).toEqual([
      { name: 'is-the-control-plane', expression: `request.userInfo.username == '${CONTROL_PLANE_USER}'` },
    ]);
    expect(binding.spec).toEqual({
      policyName: policy.metadata.name,
      validationActions: ['Deny'],
      paramRef: { ...ADMISSION_PARAMS, parameterNotFoundAction: 'Deny' },
      matchResources: {
        namespaceSelector: { matchLabels: { [FENCED_NAMESPACE_LABEL.key]: FENCED_NAMESPACE_LABEL.value } },
      },
    });
    for (const validation of policy.spec.validations)
      expect(validation).toMatchObject({
        expression: expect.any(String),
        message: expect.any(String),
        messageExpression: expect.any(String),
        reason: 'Forbidden',
      });
  });

  it('covers every kind the control plane may write, in any namespace its Roles reach, deletes included', () => {
    const roles = [...manifest('10-control-plane-rbac.yaml'), ...manifest('15-builds.yaml')].filter(
      (o) => o.kind === 'Role',
    );
    const written = roles.flatMap((role) =>
      role.rules
        .filter((rule: Any) =>
          rule.verbs.some((verb: string) => ['create', 'patch', 'update', 'delete'].includes(verb)),
        )
        .flatMap((rule: Any) => rule.resources.map((resource: string) => `${rule.apiGroups[0]}/${resource}`)),
    );
    const fenced = new Set(
      policy.spec.matchConstraints.resourceRules.flatMap((rule: Any) => {
        expect(rule.operations).toEqual(['CREATE', 'UPDATE', 'DELETE']);
        expect(rule.apiVersions).toEqual(['*']);
        return rule.resources.map((resource: string) => `${rule.apiGroups[0]}/${resource}`);
      }),
    );
    expect(written.filter((resource) => !fenced.has(resource))).toEqual([]);
    // ...and in every namespace those Roles are in, never in the one holding the params.
    const labelsOf = (name: string) =>
      manifest('00-namespaces.yaml').find((o) => o.kind === 'Namespace' && o.metadata.name === name)?.metadata
        .labels ?? {};
    for (const namespace of new Set(roles.map((role) => role.metadata.namespace as string)))
      expect(labelsOf(namespace)[FENCED_NAMESPACE_LABEL.key], namespace).toBe(FENCED_NAMESPACE_LABEL.value);
    expect(labelsOf(ADMISSION_PARAMS.namespace)[FENCED_NAMESPACE_LABEL.key]).toBeUndefined();
    for (const kind of AGENT_KINDS) {
      const group = kind.apiVersion.includes('/') ? kind.apiVersion.split('/')[0] : '';
      expect(fenced.has(`${group}/${kind.plural}`), kind.kind).toBe(true);
    }
  });
});

describe('the health identity', () => {
  it('is a ServiceAccount with a token and no binding anywhere: it may only read the version', () => {
    const rbac = manifest('10-control-plane-rbac.yaml');
    expect(
      rbac.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'fleetplane-health'),
    ).toBeDefined();
    expect(
      rbac.find((o) => o.kind === 'Secret' && o.metadata.name === 'fleetplane-health-token')?.metadata
        .annotations,
    ).toEqual({
      'kubernetes.io/service-account.name': 'fleetplane-health',
    });
    const bindings = ['10-control-plane-rbac.yaml', '15-builds.yaml']
      .flatMap(manifest)
      .filter((o) => /Binding$/.test(o.kind));
    expect(bindings.flatMap((b) => b.subjects.map((s: Any) => s.name))).not.toContain('fleetplane-health');
  });
});

describe('the builds namespace', () => {
  it('admits nothing in, and lets builds reach only kube-dns and HTTPS on public addresses', () => {
    const policy = manifest('15-builds.yaml').find((o) => o.kind === 'NetworkPolicy');
    expect(policy.spec.podSelector).toEqual({});
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toEqual([]);
    const [dns, https] = policy.spec.egress;
    expect(dns.to).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
    ]);
    expect(dns.ports.map((p: Any) => `${p.protocol}/${p.port}`)).toEqual(['UDP/53', 'TCP/53']);
    expect(https.ports).toEqual([{ protocol: 'TCP', port: 443 }]);
    expect(https.to[0].ipBlock.cidr).toBe('0.0.0.0/0');
    expect(https.to[0].ipBlock.except).toEqual(
      expect.arrayContaining([
        '10.0.0.0/8',
        '172.16.0.0/12',
        '192.168.0.0/16',
        '100.64.0.0/10',
        '169.254.0.0/16',
      ]),
    );
    expect(policy.spec.egress).toHaveLength(2);
  });
});

describe('client addresses through the load balancer (PROXY protocol)', () => {
  it("asks DigitalOcean's load balancer for it, and has the runbook's Gateway expect it", () => {
    const [proxy, gatewayClass, clientPolicy] = manifest('35-client-addresses.yaml');
    const gateway = manifest('30-tls-and-gateway.yaml').find((o) => o.kind === 'Gateway');
    expect(proxy.kind).toBe('EnvoyProxy');
    const annotations = proxy.spec.provider.kubernetes.envoyService.annotations;
    expect(annotations['service.beta.kubernetes.io/do-loadbalancer-enable-proxy-protocol']).toBe('true');
    expect(annotations['service.beta.kubernetes.io/do-loadbalancer-hostname']).toBe(
      gateway.spec.listeners[1].hostname,
    );
    // The runbook's GatewayClass (Envoy Gateway's controller) takes its settings from the EnvoyProxy.
    expect(gatewayClass).toMatchObject({
      kind: 'GatewayClass',
      metadata: { name: 'eg' },
      spec: {
        controllerName: 'gateway.envoyproxy.io/gatewayclass-controller',
        parametersRef: {
          group: 'gateway.envoyproxy.io',
          kind: 'EnvoyProxy',
          name: proxy.metadata.name,
          namespace: proxy.metadata.namespace,
        },
      },
    });
    expect(clientPolicy.kind).toBe('ClientTrafficPolicy');
    expect(clientPolicy.metadata.namespace).toBe(gateway.metadata.namespace);
    expect(clientPolicy.spec.targetRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway.metadata.name },
    ]);
    // Required, never optional: a header-less connection would let anyone claim any address.
    expect(clientPolicy.spec.proxyProtocol).toEqual({});
  });
});

describe('fleetplane admission-params', () => {
  it('makes the params from the functions’ own settings', () => {
    const data = admissionParamsData(
      admissionInstallationFromEnv({
        FLEETPLANE_STORE: 's3://fleet-store/prod',
        FLEETPLANE_S3_ENDPOINT: 'https://nyc3.digitaloceanspaces.com',
        FLEETPLANE_S3_REGION: 'nyc3',
        FLEETPLANE_REGISTRY: 'registry.digitalocean.com/acme',
        FLEETPLANE_DOMAIN: 'agents.acme.example',
        FLEETPLANE_IMAGE_PULL_SECRET: 'registry-acme',
        FLEETPLANE_PROVIDER_SECRET: 'llm-key',
      }),
    );
    expect(data).toMatchObject({
      agentsNamespace: 'agents',
      buildsNamespace: 'fleetplane-builds',
      providerSecrets: 'llm-key',
      imagePullSecrets: 'registry-acme',
      runtimeRepositories: 'registry.digitalocean.com/acme/agent-runtime',
      runtimeImages: '',
      builderImages: DEFAULT_KANIKO_IMAGE,
      contextPrefix: 's3://fleet-store/',
      s3Endpoint: 'https://nyc3.digitaloceanspaces.com',
      s3Region: 'nyc3',
      domains: 'agents.acme.example',
    });
    const pinned = admissionParamsData(
      admissionInstallationFromEnv({ FLEETPLANE_RUNTIME_IMAGE: 'registry.example/agent-runtime:abc' }),
    );
    expect(pinned.runtimeImages).toBe('registry.example/agent-runtime:abc');
  });
});
