import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agentPolicyOf } from './agent-policy.ts';
import { validateAgentConfig } from './agent-spec.ts';
import { checkDeployBody } from './deploy-request.ts';
import { agentConfigJsonSchema } from './json-schema.ts';
import { DEFAULT_PLATFORM, type PlatformSettings } from './platform.ts';
import { RESERVED_ENV_RULES, reservedEnvRule } from './reserved-env.ts';

const example = (file: string) =>
  JSON.parse(readFileSync(new URL(`../../../examples/${file}`, import.meta.url), 'utf8'));
const base = { name: 'my-agent' };

/** The field errors of a config that must be rejected. */
function rejected(config: unknown) {
  const result = validateAgentConfig(config);
  if (result.ok) throw new Error(`expected ${JSON.stringify(config)} to be rejected`);
  return result.errors;
}

describe('the seed examples', () => {
  it('accepts single_agent.json exactly as written and resolves it', () => {
    const result = validateAgentConfig(example('single_agent.json'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.model).toEqual({ provider: 'openai', id: 'gpt-4o' });
    expect(result.spec.resources).toEqual({
      requests: { cpu: '500m', memory: '512Mi' },
      limits: { cpu: '1', memory: '512Mi' },
    });
    expect(result.spec.scaling).toEqual({
      replicas: 1,
      autoscale: false,
      minReplicas: 1,
      maxReplicas: 10,
      targetCpuPercentage: 70,
    });
    expect(result.spec.cloud).toBe('DigitalOcean');
    expect(result.spec.endpoints).toEqual(['generate', 'chat']);
  });

  it('accepts every agent of deploy_multiple_agents.json', () => {
    const checked = checkDeployBody(example('deploy_multiple_agents.json'));
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.batch).toBe(true);
    expect(checked.agents.map((agent) => [agent.name, agent.ok])).toEqual([
      ['code-reviewer', true],
      ['support-bot', true],
      ['blog-writer', true],
      ['research-helper', true],
    ]);
  });

  it('accepts every agent of pooled_agents.json as a pooled agent', () => {
    const checked = checkDeployBody(example('pooled_agents.json'));
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    for (const agent of checked.agents) {
      expect(agent.ok, JSON.stringify(agent)).toBe(true);
      expect(agent.ok && agent.spec.tier).toBe('pooled');
    }
  });

  it('keeps the committed JSON Schema in step with the zod schema', () => {
    expect(example('agent.config.schema.json')).toEqual(agentConfigJsonSchema());
  });
});

describe('defaults', () => {
  it('fills from the template, then from the platform', () => {
    const result = validateAgentConfig({ name: 'coder', template: 'code-assistant' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.spec.template).toBe('Code Assistant');
    expect(result.spec.temperature).toBe(0.2);
    expect(result.spec.resources.requests).toEqual({ cpu: '250m', memory: '256Mi' });
    expect(result.spec.logging).toBe('info');
    expect(result.spec.limits.requestTimeoutMs).toBe(60_000);
  });

  it('serves the OpenAI-compatible API unless the config switches it off, and rate-limits by default', () => {
    const on = validateAgentConfig({ ...base, endpoints: ['generate'] });
    const off = validateAgentConfig({ ...base, openaiCompatible: false });
    expect(on.ok && on.spec.endpoints).toEqual(['generate', 'chat']);
    expect(off.ok && off.spec.endpoints).toEqual(['generate']);
    expect(on.ok && on.spec.limits.rateLimitPerMinute).toBe(60);
    expect(rejected({ ...base, openaiCompatible: false, endpoints: ['chat'] })).toContainEqual(
      expect.objectContaining({
        path: 'endpoints',
        message:
          'must not list "chat" when openaiCompatible is false (the chat endpoint is the OpenAI-compatible API)',
      }),
    );
  });

  it('expands custom endpoint shorthands and finds prompt slots', () => {
    const result = validateAgentConfig({
      ...base,
      customEndpoints: [
        'explain',
        { path: '/review', prompt: 'Review {{ language }} code: {{diff}}' },
        { path: 'tldr', prompt: 'Summarise.' },
      ],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(
      result.spec.customEndpoints.map(({ path, method, prompt, slots }) => ({ path, method, prompt, slots })),
    ).toEqual([
      { path: 'explain', method: 'POST', prompt: '{{input}}', slots: ['input'] },
      {
        path: 'review',
        method: 'POST',
        prompt: 'Review {{ language }} code: {{diff}}',
        slots: ['language', 'diff'],
      },
      { path: 'tldr', method: 'POST', prompt: 'Summarise.\n\n{{input}}', slots: ['input'] },
    ]);
  });

  it('starts an autoscaled agent at min_replicas', () => {
    const result = validateAgentConfig({
      ...base,
      scaling: { autoscale: true, min_replicas: 3, max_replicas: 5 },
    });
    expect(result.ok && result.spec.scaling.replicas).toBe(3);
  });

  it('accepts logging and cloud case-insensitively', () => {
    const result = validateAgentConfig({ ...base, logging: 'WARNING', cloud: 'digitalocean' });
    expect(result.ok && [result.spec.logging, result.spec.cloud]).toEqual(['warn', 'DigitalOcean']);
  });
});

describe('every rule rejects, naming the field, the rule and the value', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['missing name', {}, 'name', /required/],
    ['name not a DNS label', { name: 'My_Agent' }, 'name', /DNS label.*"My_Agent"/],
    ['name starting with a digit', { name: '1agent' }, 'name', /starting with a letter/],
    ['name too long', { name: 'a'.repeat(41) }, 'name', /at most 40 characters.*got 41/],
    [
      'name of a control plane route',
      { name: 'deployments' },
      'name',
      /control plane's own routes.*"deployments"/,
    ],
    ['name with unicode', { name: 'agént' }, 'name', /DNS label/],
    [
      'unknown template',
      { ...base, template: 'Poet' },
      'template',
      /must be one of "Code Assistant".*"Poet"/,
    ],
    [
      'model with three words',
      { ...base, model: 'Open AI gpt-4o' },
      'model',
      /<Provider> <model-id>.*"Open AI gpt-4o"/,
    ],
    [
      'instruction too long',
      { ...base, instruction: 'x'.repeat(32_769) },
      'instruction',
      /at most 32768 characters \(got 32769\)/,
    ],
    ['temperature out of range', { ...base, temperature: 3 }, 'temperature', /2/],
    [
      'cpu not a quantity',
      { ...base, resources: { cpu: '2 cores' } },
      'resources.cpu',
      /Kubernetes quantity.*"2 cores"/,
    ],
    [
      'memory zero',
      { ...base, resources: { memory: '0Mi' } },
      'resources.memory',
      /positive Kubernetes quantity.*"0Mi"/,
    ],
    [
      'cpu limit below request',
      { ...base, resources: { cpu: '1', limits: { cpu: '500m' } } },
      'resources.limits.cpu',
      /limit \(500m\) must be at least the request resources.cpu \(1\)/,
    ],
    [
      'negative replicas',
      { ...base, scaling: { replicas: -1 } },
      'scaling.replicas',
      /at least 1 \(got -1\)/,
    ],
    [
      'fractional replicas',
      { ...base, scaling: { replicas: 1.5 } },
      'scaling.replicas',
      /whole number \(got 1.5\)/,
    ],
    ['replicas as a string', { ...base, scaling: { replicas: '2' } }, 'scaling.replicas', /number.*"2"/],
    [
      'min above max',
      { ...base, scaling: { autoscale: true, min_replicas: 4, max_replicas: 2 } },
      'scaling.min_replicas',
      /min_replicas \(4\) must not exceed max_replicas \(2\)/,
    ],
    [
      'replicas outside the autoscale range',
      { ...base, scaling: { autoscale: true, replicas: 9, min_replicas: 1, max_replicas: 3 } },
      'scaling.replicas',
      /between min_replicas \(1\) and max_replicas \(3\)/,
    ],
    [
      'cpu target above 100',
      { ...base, scaling: { target_cpu_percentage: 150 } },
      'scaling.target_cpu_percentage',
      /at most 100 \(got 150\)/,
    ],
    [
      'cpu target zero',
      { ...base, scaling: { target_cpu_percentage: 0 } },
      'scaling.target_cpu_percentage',
      /at least 1/,
    ],
    [
      'unknown standard endpoint',
      { ...base, endpoints: ['generate', 'summon'] },
      'endpoints[1]',
      /one of "generate", "chat".*"summon"/,
    ],
    [
      'env name not POSIX',
      { ...base, env: [{ name: 'MY-VAR', value: 'x' }] },
      'env[0].name',
      /POSIX.*"MY-VAR"/,
    ],
    [
      'reserved env name',
      { ...base, env: [{ name: 'PORT', value: '1' }] },
      'env[0].name',
      /PORT is reserved: names matching PORT may not be set by a config \(the platform sets where the runtime listens\) \(got "PORT"\)/,
    ],
    [
      'reserved env prefix',
      { ...base, env: [{ name: 'FLEETPLANE_X', value: '1' }] },
      'env[0].name',
      /reserved/,
    ],
    [
      'provider key inline',
      { ...base, env: [{ name: 'OPENAI_API_KEY', value: 'sk-123' }] },
      'env[0].name',
      /reserved/,
    ],
    [
      'secret-looking inline value',
      { ...base, env: [{ name: 'STRIPE_SECRET', value: 'x' }] },
      'env[0].value',
      /secret values are never stored inline/,
    ],
    [
      'env with value and secretRef',
      { ...base, env: [{ name: 'A', value: 'x', secretRef: { name: 's', key: 'k' } }] },
      'env[0].value',
      /exactly one of value or secretRef/,
    ],
    ['env with neither', { ...base, env: [{ name: 'A' }] }, 'env[0].value', /exactly one/],
    [
      'duplicate env',
      {
        ...base,
        env: [
          { name: 'A', value: '1' },
          { name: 'A', value: '2' },
        ],
      },
      'env[1].name',
      /unique \(A appears more than once\)/,
    ],
    [
      'secretRef with a bad name',
      { ...base, env: [{ name: 'A', secretRef: { name: 'Bad_Name', key: 'k' } }] },
      'env[0].secretRef.name',
      /Secret name.*"Bad_Name"/,
    ],
    [
      'duplicate custom path',
      { ...base, customEndpoints: ['summary', { path: 'summary', prompt: 'x' }] },
      'customEndpoints[1].path',
      /unique among custom endpoints/,
    ],
    [
      'custom path shadowing /health',
      { ...base, customEndpoints: ['health'] },
      'customEndpoints[0].path',
      /shadow.*"health"/,
    ],
    [
      'custom path shadowing /generate',
      { ...base, customEndpoints: [{ path: '/generate', prompt: 'x' }] },
      'customEndpoints[0].path',
      /shadow/,
    ],
    [
      'custom path shadowing /metrics',
      { ...base, customEndpoints: ['metrics'] },
      'customEndpoints[0].path',
      /shadow/,
    ],
    [
      'custom path shadowing the MCP server',
      { ...base, customEndpoints: ['mcp'] },
      'customEndpoints[0].path',
      /must not shadow the runtime's own paths \(\/, \/health, .*\/mcp, \/a2a, \/\.well-known\) \(got "mcp"\)/,
    ],
    [
      'custom path below the A2A endpoint',
      { ...base, customEndpoints: [{ path: 'a2a/extra', prompt: 'x' }] },
      'customEndpoints[0].path',
      /shadow.*"a2a\/extra"/,
    ],
    [
      'custom path not URL-safe',
      { ...base, customEndpoints: ['../etc/passwd'] },
      'customEndpoints[0].path',
      /URL-safe.*"..\/etc\/passwd"/,
    ],
    [
      'custom path with a query',
      { ...base, customEndpoints: ['a?b=c'] },
      'customEndpoints[0].path',
      /URL-safe/,
    ],
    [
      'custom path too long',
      { ...base, customEndpoints: ['a'.repeat(65)] },
      'customEndpoints[0].path',
      /at most 64 characters/,
    ],
    [
      'empty custom prompt',
      { ...base, customEndpoints: [{ path: 'x', prompt: '' }] },
      'customEndpoints[0].prompt',
      /must not be empty/,
    ],
    [
      'custom method',
      { ...base, customEndpoints: [{ path: 'x', method: 'DELETE' }] },
      'customEndpoints[0].method',
      /"POST", "GET".*"DELETE"/,
    ],
    ['unknown top-level key', { ...base, replicas: 3 }, 'replicas', /not a known field/],
    [
      'unknown nested key',
      { ...base, scaling: { minReplicas: 2 } },
      'scaling.minReplicas',
      /not a known field/,
    ],
    [
      'unknown logging level',
      { ...base, logging: 'verbose' },
      'logging',
      /one of debug, info, warn, error.*"verbose"/,
    ],
    ['unknown cloud', { ...base, cloud: 'AWS' }, 'cloud', /one of DigitalOcean, local.*"AWS"/],
    ['a config that is not an object', 'name=x', '(root)', /object.*"name=x"/],
  ];

  it.each(cases)('%s', (_title, config, path, message) => {
    const errors = rejected(config);
    const error = errors.find((candidate) => candidate.path === path);
    expect(error, `errors were ${JSON.stringify(errors)}`).toBeDefined();
    expect(error?.message).toMatch(message);
  });
});

describe('deploy bodies', () => {
  it('names each failing agent of a batch by index and keeps the good ones', () => {
    const checked = checkDeployBody({
      agents: [{ name: 'good' }, { name: 'bad', scaling: { replicas: 0 } }],
    });
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(checked.agents[0]?.ok).toBe(true);
    expect(checked.agents[1]).toMatchObject({
      ok: false,
      name: 'bad',
      errors: [{ path: 'agents[1].scaling.replicas' }],
    });
  });

  it('rejects duplicate names in one batch', () => {
    const checked = checkDeployBody({ agents: [{ name: 'twin' }, { name: 'twin' }] });
    expect(checked.ok && checked.agents[1]).toMatchObject({
      ok: false,
      errors: [{ path: 'agents[1].name', message: expect.stringMatching(/unique/) }],
    });
  });

  it.each([
    [[], /JSON object/],
    [{ agents: [] }, /non-empty array/],
    [{ agents: [{ name: 'a' }], extra: 1 }, /not a known field next to "agents"/],
    [{ agents: Array.from({ length: 51 }, (_, i) => ({ name: `a${i}` })) }, /at most 50 agents/],
  ])('rejects the body %#', (body, message) => {
    const checked = checkDeployBody(body);
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.errors[0]?.message).toMatch(message);
  });
});

describe('an agent reads only its own Secrets', () => {
  const exfiltration = {
    name: 'NODE_EXTRA_CA_CERTS',
    secretRef: { name: 'fleetplane-provider', key: 'OPENAI_API_KEY' },
  };

  it('refuses the exfiltration config: a reserved name, and a Secret that is not the agent’s', () => {
    expect(rejected({ ...base, env: [exfiltration] })).toEqual([
      {
        path: 'env[0].name',
        message: expect.stringMatching(
          /^NODE_EXTRA_CA_CERTS is reserved: names matching NODE_\* .*changes how Node.js runs/,
        ),
        rule: 'custom',
      },
      {
        path: 'env[0].secretRef.name',
        message:
          'must name one of this agent\'s own Secrets: an agent may reference only its own Secrets, named "<agent-name>.<anything>", e.g. "my-agent.keys" (got "fleetplane-provider")',
        rule: 'custom',
      },
    ]);
  });

  it.each([
    [
      'env[0].secretRef.name',
      { env: [{ name: 'DB_URL', secretRef: { name: 'other-agent.db', key: 'url' } }] },
    ],
    ['env[0].secretRef.name', { env: [{ name: 'DB_URL', secretRef: { name: 'my-agent-db', key: 'url' } }] }],
    [
      'env[0].secretRef.name',
      { env: [{ name: 'TLS', secretRef: { name: 'fleetplane-agents-tls', key: 'tls.key' } }] },
    ],
    ['env[0].secretRef.name', { env: [{ name: 'X', secretRef: { name: 'my-agentx.db', key: 'url' } }] }],
    ['auth.apiKeyHashes.name', { auth: { apiKeyHashes: { name: 'other-agent.keys', key: 'hashes' } } }],
    [
      'provider.apiKey.name',
      { provider: { apiKey: { name: 'fleetplane-provider', key: 'OPENAI_API_KEY' } } },
    ],
  ])('refuses %s naming a Secret of another agent or of the platform (%#)', (path, patch) => {
    const error = rejected({ ...base, ...patch }).find((candidate) => candidate.path === path);
    expect(error?.message).toMatch(
      /^must name one of this agent's own Secrets: .*"<agent-name>.<anything>".*\(got "/,
    );
  });

  it('accepts Secrets named "<agent-name>.<anything>" in env, auth and provider', () => {
    const result = validateAgentConfig({
      ...base,
      env: [{ name: 'DB_URL', secretRef: { name: 'my-agent.db', key: 'url' } }],
      auth: { apiKeyHashes: { name: 'my-agent.keys', key: 'hashes' } },
      provider: { baseUrl: 'https://llm.example.org/v1', apiKey: { name: 'my-agent.llm.prod', key: 'key' } },
    });
    expect(result.ok).toBe(true);
  });
});

describe('reserved environment names', () => {
  /** One example per rule at least; the last test proves every rule of the table has one. */
  const examples: [string, string][] = [
    ['PORT', 'PORT'],
    ['HOST', 'HOST'],
    ['PATH', 'PATH'],
    ['HOME', 'HOME'],
    ['HOSTNAME', 'HOSTNAME'],
    ['PWD', 'PWD'],
    ['SHELL', 'SHELL'],
    ['USER', 'USER'],
    ['TMPDIR', 'TMPDIR'],
    ['FLEETPLANE_AGENT_API_KEY_HASHES', 'FLEETPLANE_*'],
    ['KUBERNETES_SERVICE_HOST', 'KUBERNETES_*'],
    ['OPENAI_BASE_URL', 'OPENAI_*'],
    ['openai_base_url', 'OPENAI_*'],
    ['OPENAI_LOG', 'OPENAI_*'],
    ['NODE_OPTIONS', 'NODE_*'],
    ['NODE_TLS_REJECT_UNAUTHORIZED', 'NODE_*'],
    ['node_extra_ca_certs', 'NODE_*'],
    ['NPM_CONFIG_REGISTRY', 'NPM_*'],
    ['npm_config_registry', 'NPM_*'],
    ['UV_THREADPOOL_SIZE', 'UV_*'],
    ['LD_PRELOAD', 'LD_*'],
    ['DYLD_INSERT_LIBRARIES', 'DYLD_*'],
    ['MALLOC_ARENA_MAX', 'MALLOC_*'],
    ['GLIBC_TUNABLES', 'GLIBC_TUNABLES'],
    ['SSL_CERT_FILE', 'SSL_*'],
    ['OPENSSL_CONF', 'OPENSSL_*'],
    ['SSLKEYLOGFILE', 'SSLKEYLOGFILE'],
    ['HTTPS_PROXY', '*_PROXY'],
    ['http_proxy', '*_PROXY'],
    ['NO_PROXY', '*_PROXY'],
    ['GLOBAL_AGENT_HTTP_PROXY', '*_PROXY'],
    // glibc's unsecure variables (sysdeps/generic/unsecvars.h), the resolver's first.
    ['LOCALDOMAIN', 'LOCALDOMAIN'],
    ['localdomain', 'LOCALDOMAIN'],
    ['RES_OPTIONS', 'RES_OPTIONS'],
    ['HOSTALIASES', 'HOSTALIASES'],
    ['RESOLV_HOST_CONF', 'RESOLV_HOST_CONF'],
    ['GCONV_PATH', 'GCONV_PATH'],
    ['GETCONF_DIR', 'GETCONF_DIR'],
    ['LOCPATH', 'LOCPATH'],
    ['NLSPATH', 'NLSPATH'],
    ['NIS_PATH', 'NIS_PATH'],
    ['TZDIR', 'TZDIR'],
    ['MALLOC_TRACE', 'MALLOC_*'],
  ];

  it.each(examples)('refuses %s (rule %s), naming the rule and the value', (name, pattern) => {
    const errors = rejected({ ...base, env: [{ name, value: 'x' }] });
    const error = errors.find((candidate) => candidate.path === 'env[0].name');
    expect(error?.message).toContain(
      `${name} is reserved: names matching ${pattern} may not be set by a config (`,
    );
    expect(error?.message).toMatch(new RegExp(`\\(got "${name}"\\)$`));
  });

  it('refuses every variable glibc strips for setuid programs (its UNSECURE_ENVVARS)', () => {
    // sysdeps/generic/unsecvars.h, glibc 2.39, in its order.
    const glibc = [
      'GCONV_PATH',
      'GETCONF_DIR',
      'GLIBC_TUNABLES',
      'HOSTALIASES',
      'LD_AUDIT',
      'LD_DEBUG',
      'LD_DEBUG_OUTPUT',
      'LD_DYNAMIC_WEAK',
      'LD_HWCAP_MASK',
      'LD_LIBRARY_PATH',
      'LD_ORIGIN_PATH',
      'LD_PRELOAD',
      'LD_PROFILE',
      'LD_SHOW_AUXV',
      'LD_USE_LOAD_BIAS',
      'LOCALDOMAIN',
      'LOCPATH',
      'MALLOC_TRACE',
      'NIS_PATH',
      'NLSPATH',
      'RESOLV_HOST_CONF',
      'RES_OPTIONS',
      'TMPDIR',
      'TZDIR',
    ];
    expect(glibc.filter((name) => reservedEnvRule(name) === undefined)).toEqual([]);
  });

  it('has an example above for every rule of the table', () => {
    expect(new Set(examples.map(([, pattern]) => pattern))).toEqual(
      new Set(RESERVED_ENV_RULES.map((rule) => rule.pattern)),
    );
  });

  it.each([
    'TZ',
    'LANG',
    'LC_ALL',
    'DEBUG',
    'NODEJS_FLAVOUR',
    'MY_NODE_NAME',
    'PROXY_MODE',
    'SSLMODE',
    'APP_PORT',
  ])('accepts %s, which changes nothing in the runtime', (name) => {
    expect(validateAgentConfig({ ...base, env: [{ name, value: 'x' }] }).ok).toBe(true);
  });
});

describe('inline values that carry credentials', () => {
  it.each([
    ['postgres://user:pw@db.example.com:5432/app', /credentials before the host/],
    ['redis://:s3cret@cache:6379', /credentials before the host/],
    ['https://ghp_abc123@github.com/org/repo.git', /credentials before the host/],
    ['server=db; url=mysql://root:root@10.0.0.3/x', /credentials before the host/],
    ['https://api.example.com/v1?api_key=abc', /secret in its query \(api_key=\.\.\.\)/],
    ['https://hooks.example.com/x?foo=1&token=abc', /secret in its query \(token=\.\.\.\)/],
    ['https://blob.example.net/c?sv=2024&sig=abc', /secret in its query \(sig=\.\.\.\)/],
  ])('refuses %s with a 422 that says to use a secretRef', (value, rule) => {
    const error = rejected({ ...base, env: [{ name: 'DATABASE_URL', value }] }).find(
      (candidate) => candidate.path === 'env[0].value',
    );
    expect(error?.message).toMatch(rule);
    expect(error?.message).toMatch(
      /^must not carry a credential inline .*use \{"name":"DATABASE_URL","secretRef"/,
    );
  });

  it.each([
    'postgres://db.example.com:5432/app',
    'https://example.com/users/@me',
    'mailto:ops@example.com',
    'https://api.example.com/v1?region=fra1&page=2',
  ])('accepts %s', (value) => {
    expect(validateAgentConfig({ ...base, env: [{ name: 'SOME_URL', value }] }).ok).toBe(true);
  });
});

describe('provider', () => {
  it.each([
    [
      { baseUrl: 'not a url' },
      'provider.baseUrl',
      /absolute http:\/\/ or https:\/\/ URL \(got "not a url"\)/,
    ],
    [{ baseUrl: 'ftp://llm.example.org/v1' }, 'provider.baseUrl', /use http:\/\/ or https:\/\//],
    [
      { baseUrl: 'https://user:pw@llm.example.org/v1' },
      'provider.baseUrl',
      /must not carry credentials \(the key goes in provider.apiKey\)/,
    ],
    [{ baseUrl: 'https://llm.example.org/v1?key=x' }, 'provider.baseUrl', /query or a fragment/],
    [{}, 'provider', /must set baseUrl, apiKey or both \(got neither\)/],
    [{ baseUrl: 'https://x.example', model: 'gpt-4o' }, 'provider.model', /not a known field/],
  ])('refuses %j', (provider, path, message) => {
    const error = rejected({ ...base, provider }).find((candidate) => candidate.path === path);
    expect(error?.message).toMatch(message);
  });
});

describe("the platform's policy (checkDeployBody with the platform's settings)", () => {
  const platform = {
    ...DEFAULT_PLATFORM,
    openaiBaseUrl: 'https://inference.do-ai.run/v1',
    allowedBaseUrls: ['http://vllm.models.svc:8000/v1'],
  };
  const check = (config: unknown, settings: PlatformSettings = platform) => {
    const checked = checkDeployBody(config, { localAgents: false, policy: agentPolicyOf(settings) });
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    const agent = checked.agents[0];
    return agent?.ok ? [] : (agent?.errors ?? []);
  };

  it.each([
    [
      { resources: { cpu: '10000000' } },
      'resources.cpu',
      `must be at most 2, the platform's per-agent maximum (FLEETPLANE_MAX_CPU_REQUEST) (got "10000000")`,
    ],
    [
      { resources: { memory: '5Gi' } },
      'resources.memory',
      `must be at most 4Gi, the platform's per-agent maximum (FLEETPLANE_MAX_MEMORY_REQUEST) (got "5Gi")`,
    ],
    [
      { resources: { cpu: '1', limits: { cpu: '8' } } },
      'resources.limits.cpu',
      `must be at most 4, the platform's per-agent maximum (FLEETPLANE_MAX_CPU_LIMIT) (got "8")`,
    ],
    [
      { resources: { memory: '1Gi', limits: { memory: '9Gi' } } },
      'resources.limits.memory',
      `must be at most 8Gi, the platform's per-agent maximum (FLEETPLANE_MAX_MEMORY_LIMIT) (got "9Gi")`,
    ],
    [
      { scaling: { replicas: 21 } },
      'scaling.replicas',
      `must be at most 20, the platform's per-agent maximum (FLEETPLANE_MAX_REPLICAS) (got 21)`,
    ],
    [
      { scaling: { autoscale: true, max_replicas: 50 } },
      'scaling.max_replicas',
      `must be at most 20, the platform's per-agent maximum (FLEETPLANE_MAX_REPLICAS) (got 50)`,
    ],
    [
      { scaling: { autoscale: true, min_replicas: 25, max_replicas: 30 } },
      'scaling.min_replicas',
      `must be at most 20, the platform's per-agent maximum (FLEETPLANE_MAX_REPLICAS) (got 25)`,
    ],
  ])('bounds %j', (patch, path, message) => {
    expect(check({ ...base, ...patch })).toContainEqual({ path, message });
  });

  it.each([
    [{ max_tokens: 8000 }, 'max_tokens', 8000],
    [{ customEndpoints: [{ path: 'long', max_tokens: 5000 }] }, 'customEndpoints[0].max_tokens', 5000],
  ])('caps tokens per answer at the platform cap: %j', (patch, path, value) => {
    expect(check({ ...base, ...patch })).toContainEqual({
      path,
      message: `must be at most 4096, the platform's cap on tokens per answer (FLEETPLANE_AGENT_MAX_TOKENS) (got ${value})`,
    });
    expect(
      check({ ...base, ...patch }, { ...platform, agentCaps: { ...platform.agentCaps, maxTokens: 10_000 } }),
    ).toEqual([]);
  });

  it('refuses "1e999" as no quantity at all, before any bound', () => {
    expect(rejected({ ...base, resources: { memory: '1e999' } })).toContainEqual({
      path: 'resources.memory',
      message: 'must be a positive Kubernetes quantity such as "512Mi" or "1Gi" (got "1e999")',
      rule: 'pattern',
    });
  });

  it('names a default that breaks a lowered bound, and how to fix it', () => {
    const lowered = {
      ...platform,
      agentBounds: { ...platform.agentBounds, maxLimits: { cpu: '3', memory: '8Gi' } },
    };
    expect(check({ ...base, resources: { cpu: '2' } }, lowered)).toEqual([
      {
        path: 'resources.limits.cpu',
        message: `must be at most 3, the platform's per-agent maximum (FLEETPLANE_MAX_CPU_LIMIT) (got "4", a default; set it lower explicitly)`,
      },
    ]);
  });

  it('accepts every example and configs at the bounds', () => {
    expect(check(example('single_agent.json'))).toEqual([]);
    expect(
      check({
        ...base,
        resources: { cpu: '2', memory: '4Gi', limits: { cpu: '4', memory: '8Gi' } },
        scaling: { autoscale: true, min_replicas: 20, max_replicas: 20 },
      }),
    ).toEqual([]);
  });

  it("sends the platform's key to its own base URLs only: any other needs the agent's own key", () => {
    expect(check({ ...base, provider: { baseUrl: 'https://capture.example/v1' } })).toEqual([
      {
        path: 'provider.apiKey',
        message: `is required with this provider.baseUrl: the platform's model key is sent only to the platform's base URLs (https://inference.do-ai.run/v1, http://vllm.models.svc:8000/v1); bring the agent's own key as {"name": "my-agent.<secret>", "key": "<key>"} (got baseUrl "https://capture.example/v1" and no apiKey)`,
      },
    ]);
    expect(check({ ...base, provider: { baseUrl: 'http://vllm.models.svc:8000/v1/' } })).toEqual([]);
    expect(check({ ...base, provider: { baseUrl: 'https://INFERENCE.do-ai.run:443/v1' } })).toEqual([]);
    expect(check({ ...base, provider: { baseUrl: 'https://inference.do-ai.run.evil.net/v1' } })).toHaveLength(
      1,
    );
    expect(
      check({
        ...base,
        provider: { baseUrl: 'https://capture.example/v1', apiKey: { name: 'my-agent.llm', key: 'k' } },
      }),
    ).toEqual([]);
  });

  it("refuses the platform's own Secrets by name, even one the naming rule would give to an agent", () => {
    const dotted = { ...platform, providerSecret: { name: 'pk.provider', key: 'OPENAI_API_KEY' } };
    expect(
      check(
        { name: 'pk', env: [{ name: 'X', secretRef: { name: 'pk.provider', key: 'OPENAI_API_KEY' } }] },
        dotted,
      ),
    ).toEqual([
      {
        path: 'env[0].secretRef.name',
        message: `must not name one of the platform's own Secrets (pk.provider, fleetplane-agents-tls): an agent may reference only its own Secrets (got "pk.provider")`,
      },
    ]);
  });

  it('prefixes the paths of a batch and applies the defaults when no policy is given (the CLI)', () => {
    const checked = checkDeployBody({ agents: [{ name: 'ok' }, { name: 'big', resources: { cpu: '3' } }] });
    expect(checked.ok && checked.agents[1]).toMatchObject({
      ok: false,
      errors: [
        { path: 'agents[1].resources.cpu', message: expect.stringMatching(/at most 2, .*\(got "3"\)$/) },
        {
          path: 'agents[1].resources.limits.cpu',
          message: expect.stringMatching(/at most 4, .*\(got "6", a default/),
        },
      ],
    });
  });
});

describe('integrations', () => {
  const nestedValue = (depth: number) => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

  it('accepts free-form values up to 16 levels and 1000 keys and array items', () => {
    // The integrations object is level 1: 15 more levels inside it.
    expect(validateAgentConfig({ ...base, integrations: { x: nestedValue(15) } }).ok).toBe(true);
    const keys = Object.fromEntries(Array.from({ length: 1_000 }, (_, index) => [`k${index}`, index]));
    expect(validateAgentConfig({ ...base, integrations: keys }).ok).toBe(true);
  });

  it.each([
    ['17 levels', { x: nestedValue(16) }, /at most 16 levels deep/],
    ['4000 levels', { x: nestedValue(4_000) }, /at most 16 levels deep/],
    [
      '1001 keys',
      Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`k${i}`, i])),
      /at most 1000 keys/,
    ],
    ['1000 array items and a key', { list: Array.from({ length: 1_000 }, () => 0) }, /at most 1000 keys/],
  ])('refuses %s with the rule and no echo of the value', (_, integrations, message) => {
    const errors = rejected({ ...base, integrations });
    expect(errors).toEqual([{ path: 'integrations', rule: 'max', message: expect.stringMatching(message) }]);
  });
});
