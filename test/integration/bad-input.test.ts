/**
 * Hostile and malformed requests against the real stack: every one gets a 4xx problem+json
 * naming what is wrong, none a 500, and nothing reaches the store or the cluster.
 */
import { describe, expect, it } from 'vitest';
import { adminCluster, harness } from '../support/control-plane-harness.ts';

const valid = { name: 'fuzz-ok' };
const withField = (patch: Record<string, unknown>) => JSON.stringify({ ...valid, ...patch });

const malformedJson = [
  '',
  ' ',
  '{',
  '{"name":',
  'nul',
  '{"name": "a",}',
  "{'name': 'a'}",
  '\u0000',
  '{"name": "a"} trailing',
  '[1,2',
  '{"a":1}}',
  'NaN',
  '{"name": undefined}',
];
const notConfigs = ['null', '[]', '"fuzz"', '123', 'true', '[{"name":"a"}]', '{}'];
const wrongTypes = [
  { name: 123 },
  { name: null },
  { name: ['a'] },
  { name: { first: 'a' } },
  { name: true },
  withField({ scaling: 'lots' }),
  withField({ scaling: { replicas: '2' } }),
  withField({ scaling: { replicas: -1 } }),
  withField({ scaling: { replicas: 1.5 } }),
  withField({ scaling: { replicas: 1e12 } }),
  withField({ scaling: { autoscale: 'yes' } }),
  withField({ scaling: { autoscale: true, min_replicas: 5, max_replicas: 1 } }),
  withField({ scaling: { target_cpu_percentage: 0 } }),
  withField({ resources: [] }),
  withField({ resources: { cpu: 5 } }),
  withField({ resources: { cpu: '-1' } }),
  withField({ resources: { memory: '1 GiB' } }),
  withField({ resources: { cpu: '1', limits: { cpu: '100m' } } }),
  withField({ endpoints: 'generate' }),
  withField({ endpoints: ['summon'] }),
  withField({ customEndpoints: {} }),
  withField({ customEndpoints: [42] }),
  withField({ env: { A: 'b' } }),
  withField({ env: [{ name: 'A' }] }),
  withField({ logging: 3 }),
  withField({ logging: 'loud' }),
  withField({ temperature: 'hot' }),
  withField({ temperature: 9 }),
  withField({ template: 7 }),
  withField({ template: 'Hacker' }),
  withField({ model: '' }),
  withField({ model: 'a b c' }),
  withField({ model: 'OpenAI gpt-4o; rm -rf /' }),
  withField({ cloud: 'AWS' }),
  withField({ integrations: 'slack' }),
  withField({ limits: { requestTimeoutMs: 1 } }),
  withField({ auth: { apiKeyHashes: 'abc' } }),
];
const hugeStrings = [
  { name: 'a'.repeat(10_000) },
  withField({ instruction: 'x'.repeat(40_000) }),
  withField({ customEndpoints: [{ path: 'x', prompt: 'p'.repeat(9_000) }] }),
  withField({ customEndpoints: [{ path: 'x', description: 'd'.repeat(2_000) }] }),
  withField({ env: [{ name: 'BIG', value: 'v'.repeat(5_000) }] }),
  withField({ env: Array.from({ length: 65 }, (_, i) => ({ name: `V${i}`, value: 'x' })) }),
  withField({ customEndpoints: Array.from({ length: 33 }, (_, i) => `e${i}`) }),
];
const hostileNames = [
  '../etc/passwd',
  '..',
  '.',
  'a/b',
  'a%2Fb',
  'ünïcode',
  '𝔣𝔬𝔬',
  'a\u0000b',
  ' a',
  'a ',
  'A',
  'Agent',
  '-a',
  'a-',
  'a_b',
  'a.b',
  '',
  'deploy',
  'deployments',
  'health',
  'templates',
  'docs',
  'openapi',
  '😀',
  'a\nb',
  '<script>',
  "a'; DROP TABLE agents;--",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal placeholder is the hostile input
  '${HOME}',
  '1agent',
];
const unknownFields = [
  withField({ replicas: 3 }),
  withField({ scaling: { minReplicas: 2 } }),
  withField({ resources: { gpu: '1' } }),
  '{"name":"fuzz-ok","__proto__":{"admin":true}}',
  withField({ constructor: { prototype: { admin: true } } }),
  withField({ customEndpoints: [{ path: 'x', handler: 'eval' }] }),
  withField({ env: [{ name: 'A', value: 'b', secret: true }] }),
  withField({ image: 'evil/image:latest' }),
];
const secrets = [
  withField({ env: [{ name: 'OPENAI_API_KEY', value: 'sk-live-123' }] }),
  withField({ env: [{ name: 'STRIPE_SECRET', value: 'sk_live' }] }),
  withField({ env: [{ name: 'DB_PASSWORD', value: 'hunter2' }] }),
  withField({ env: [{ name: 'GITHUB_TOKEN', value: 'ghp_x' }] }),
  withField({ env: [{ name: 'PORT', value: '1' }] }),
  withField({ env: [{ name: 'FLEETPLANE_NAMESPACE', value: 'kube-system' }] }),
  withField({ env: [{ name: 'NODE_OPTIONS', value: '--require /tmp/x.js' }] }),
  withField({
    env: [{ name: 'NODE_EXTRA_CA_CERTS', secretRef: { name: 'fleetplane-provider', key: 'OPENAI_API_KEY' } }],
  }),
  withField({ env: [{ name: 'TLS_KEY', secretRef: { name: 'fleetplane-agents-tls', key: 'tls.key' } }] }),
  withField({ env: [{ name: 'HASHES', secretRef: { name: 'other-agent.keys', key: 'hashes' } }] }),
  withField({ env: [{ name: 'LD_PRELOAD', value: '/tmp/evil.so' }] }),
  withField({ env: [{ name: 'https_proxy', value: 'http://capture.example:3128' }] }),
  withField({ env: [{ name: 'OPENAI_BASE_URL', value: 'https://capture.example/v1' }] }),
  withField({ env: [{ name: 'DATABASE_URL', value: 'postgres://user:pw@db.example.com/app' }] }),
  withField({ provider: { baseUrl: 'https://capture.example/v1' } }),
  withField({ provider: { baseUrl: 'file:///etc/passwd', apiKey: { name: 'fuzz-ok.llm', key: 'k' } } }),
  withField({ auth: { apiKeyHashes: { name: 'fleetplane-provider', key: 'OPENAI_API_KEY' } } }),
  withField({ resources: { cpu: '10000000' } }),
  withField({ resources: { memory: '1e999' } }),
  withField({ scaling: { replicas: 100 } }),
];
const endpoints = [
  'health',
  'generate',
  'metrics',
  'v1/chat',
  '../../etc',
  '/ready',
  'a//b',
  'a?x=1',
  'A',
  'a b',
  '%2e%2e',
].map((path) => withField({ customEndpoints: [path] }));
const batches = [
  { agents: 'all' },
  { agents: [] },
  { agents: [null] },
  { agents: [{ name: 'fuzz-a' }, { name: 'Bad Name' }] },
  { agents: [{ name: 'fuzz-a' }, { name: 'fuzz-a' }] },
  { agents: [{ name: 'fuzz-a' }], extra: true },
  { agents: Array.from({ length: 51 }, (_, i) => ({ name: `fuzz-${i}` })) },
  { agents: [{ name: 'fuzz-a', scaling: { replicas: 0 } }] },
];
const bodies: (string | object)[] = [
  ...malformedJson,
  ...notConfigs,
  ...wrongTypes,
  ...hugeStrings,
  ...hostileNames.map((name) => ({ name })),
  ...unknownFields,
  ...secrets,
  ...endpoints,
  ...batches,
];

const paths: [string, string, string?][] = [
  ['GET', '/deployments/..%2F..%2Fetc%2Fpasswd'],
  ['GET', '/deployments/A'],
  ['GET', '/deployments/a_b'],
  ['GET', `/deployments/${'a'.repeat(300)}`],
  ['GET', '/deployments/%F0%9F%98%80'],
  ['DELETE', '/deployments/..'],
  ['GET', '/deployments/fuzz-none/logs?tail=abc'],
  ['GET', '/deployments/fuzz-none/logs?tail=0'],
  ['GET', '/deployments/fuzz-none/logs?tail=99999'],
  ['GET', '/deployments/fuzz-none/logs?build=yes'],
  ['POST', '/gc', '{"dryRun":"maybe"}'],
  ['POST', '/gc', '{"dryRun":false,"all":true}'],
  ['POST', '/gc', '{'],
  ['POST', '/deployments/fuzz-none/rollback', '{"generation":"x"}'],
  ['POST', '/deployments/fuzz-none/rollback', '{'],
  ['POST', '/deployments/fuzz-none/rollback', '{"generation":1,"force":true}'],
  ['GET', '/deployments/fuzz-none'],
  ['DELETE', '/deployments/fuzz-none'],
  ['PUT', '/deploy', '{}'],
  ['GET', '/deploy'],
  ['POST', '/nothing-here', '{}'],
];

describe('bad input', () => {
  const { call, providers } = harness();

  it(`answers ${bodies.length} malformed or hostile deploy bodies with 4xx problem+json`, async () => {
    expect(bodies.length).toBeGreaterThanOrEqual(100);
    const failures: string[] = [];
    for (const body of bodies) {
      const { status, headers, json } = await call(
        'POST',
        '/deploy',
        typeof body === 'string' ? body : JSON.stringify(body),
      );
      const label = (typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 60);
      if (status < 400 || status >= 500) failures.push(`${status} for ${label}`);
      else if (!headers.get('content-type')?.includes('application/problem+json'))
        failures.push(`no problem+json for ${label}`);
      else if (!json.title || !json.detail || json.status !== status)
        failures.push(`incomplete problem for ${label}`);
      else if (status === 422 && !(json.errors?.length > 0))
        failures.push(`422 without field errors for ${label}`);
    }
    expect(failures).toEqual([]);
  });

  it('rejects a body over 1 MiB with 413', async () => {
    const { status, json } = await call(
      'POST',
      '/deploy',
      JSON.stringify({ name: 'fuzz-big', instruction: 'x'.repeat(1_100_000) }),
    );
    expect(status).toBe(413);
    expect(json.title).toBe('Request body too large');
  });

  it(`answers ${paths.length} hostile paths and parameters with 4xx problem+json`, async () => {
    const results = await Promise.all(
      paths.map(async ([method, path, body]) => ({ path, ...(await call(method, path, body)) })),
    );
    const failures = results.filter(
      ({ status, headers }) =>
        status < 400 || status >= 500 || !headers.get('content-type')?.includes('problem+json'),
    );
    expect(failures.map(({ path, status }) => `${status} ${path}`)).toEqual([]);
  });

  it('names the field, the rule and the value', async () => {
    const { status, json } = await call('POST', '/deploy', { name: 'fuzz-x', scaling: { replicas: -1 } });
    expect(status).toBe(422);
    expect(json.errors).toEqual([
      { path: 'scaling.replicas', message: 'must be at least 1 (got -1)', rule: 'min' },
    ]);
    const gc = await call('POST', '/gc', { dryRun: 'maybe' });
    expect(gc.status).toBe(400);
    expect(gc.json.errors).toEqual([
      { path: 'dryRun', message: 'must be one of "true", "false" (got "maybe")', rule: 'enum' },
    ]);
    const logs = await call('GET', '/deployments/fuzz-none/logs?build=yes');
    expect(logs.json.errors).toEqual([
      { path: 'build', message: 'must be one of "true", "false" (got "yes")', rule: 'enum' },
    ]);
  });

  it('names the rule, the field and the value for the exfiltration config and an unbounded quantity', async () => {
    const exfiltration = await call('POST', '/deploy', {
      name: 'fuzz-x',
      env: [
        { name: 'NODE_EXTRA_CA_CERTS', secretRef: { name: 'fleetplane-provider', key: 'OPENAI_API_KEY' } },
      ],
    });
    expect(exfiltration.status).toBe(422);
    expect(exfiltration.json.errors).toEqual([
      {
        path: 'env[0].name',
        message: expect.stringMatching(
          /^NODE_EXTRA_CA_CERTS is reserved: names matching NODE_\* may not be set/,
        ),
        rule: 'custom',
      },
      {
        path: 'env[0].secretRef.name',
        message: expect.stringMatching(
          /^must name one of this agent's own Secrets: .*\(got "fleetplane-provider"\)$/,
        ),
        rule: 'custom',
      },
    ]);
    const huge = await call('POST', '/deploy', { name: 'fuzz-x', resources: { cpu: '10000000' } });
    expect(huge.status).toBe(422);
    expect(huge.json.errors).toContainEqual({
      path: 'resources.cpu',
      message: `must be at most 2, the platform's per-agent maximum (FLEETPLANE_MAX_CPU_REQUEST) (got "10000000")`,
    });
  });

  it('wrote nothing to the store or the cluster', async () => {
    expect(await (await providers.store()).list()).toEqual([]);
    const observed = await adminCluster().observe({});
    expect(observed.objects.filter((ref) => ref.agent.startsWith('fuzz'))).toEqual([]);
  });

  it('refuses requests without a valid token, with WWW-Authenticate', async () => {
    for (const header of [{}, { authorization: 'Bearer wrong' }, { authorization: 'Basic abc' }]) {
      const response = await call('GET', '/deployments', undefined, { authorization: '', ...header });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="fleetplane"');
    }
    expect((await call('GET', '/health', undefined, { authorization: '' })).status).toBe(200);
  });
});

describe('settings set to the empty string', () => {
  it('count as unset: FLEETPLANE_ROUTING= and friends deploy with the defaults, not a 500', async () => {
    const empty = Object.fromEntries(
      [
        'FLEETPLANE_ROUTING',
        'FLEETPLANE_DOMAIN',
        'FLEETPLANE_INGRESS_CLASS',
        'FLEETPLANE_TLS_ISSUER',
        'FLEETPLANE_OPENAI_BASE_URL',
        'FLEETPLANE_PROVIDER_SECRET',
        'FLEETPLANE_MAX_CPU_REQUEST',
        'FLEETPLANE_MAX_REPLICAS',
        'FLEETPLANE_ALLOWED_BASE_URLS',
        'FLEETPLANE_EGRESS_DENY_CIDRS',
        'FLEETPLANE_INGRESS_NAMESPACES',
        'FLEETPLANE_LOG_LEVEL',
        'FLEETPLANE_KUBECONFIG_DATA',
      ].map((name) => [name, '']),
    );
    const { call } = harness(empty);
    const deployed = await call('POST', '/deploy', { name: 'empty-settings' });
    expect(deployed.status, JSON.stringify(deployed.json)).toBe(201);
    const observed = await adminCluster().observe({ agent: 'empty-settings' });
    expect(observed.objects.map((ref) => ref.kind)).toContain('Ingress');
    expect(observed.ingresses[0]?.spec?.rules?.[0]?.host).toBe('agents.example.com');
    expect((await call('DELETE', '/deployments/empty-settings')).status).toBe(200);
  });
});
