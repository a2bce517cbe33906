import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateAgentConfig } from './agent-spec.ts';
import { checkDeployBody } from './deploy-request.ts';
import { agentConfigJsonSchema } from './json-schema.ts';

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
      /PORT is reserved/,
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
