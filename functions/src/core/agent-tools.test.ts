import { describe, expect, it } from 'vitest';
import { runtimeConfigSchema } from '#agent-runtime/contract';
import { renderAgent } from './agent-objects/render.ts';
import { agentPolicyOf } from './agent-policy.ts';
import { validateAgentConfig } from './agent-spec.ts';
import { checkDeployBody } from './deploy-request.ts';
import { hashOf } from './hash.ts';
import { DEFAULT_PLATFORM, type PlatformSettings } from './platform.ts';

// biome-ignore lint/suspicious/noExplicitAny: the assertions read deep fields of plain objects
type Loose = any;

const weather = {
  type: 'http',
  name: 'weather',
  description: 'Current weather for a city',
  url: 'https://api.weather.example/v1/current?city={city}',
};
const tickets = {
  type: 'mcp',
  name: 'tickets',
  url: 'https://mcp.example.com/mcp',
  headers: { authorization: { secretRef: { name: 'support-bot.tickets', key: 'token' }, prefix: 'Bearer ' } },
  allow: ['search_tickets'],
};
const research = { type: 'agent', name: 'research', agent: 'research-helper' };
const agent = (extra: object) => ({ name: 'support-bot', tools: [weather, tickets, research], ...extra });

function errorsOf(config: unknown, platform: PlatformSettings = DEFAULT_PLATFORM) {
  const checked = checkDeployBody(config, { localAgents: true, policy: agentPolicyOf(platform) });
  if (!checked.ok) return checked.errors;
  const first = checked.agents[0];
  return first?.ok ? [] : (first?.errors ?? []);
}

function render(config: unknown, platform: PlatformSettings = DEFAULT_PLATFORM) {
  const result = validateAgentConfig(config);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const objects = renderAgent({
    spec: result.spec,
    image: 'img:1',
    platform,
    generation: 1,
    specHash: hashOf(result.spec),
  });
  const configMap = objects.find((o) => o.kind === 'ConfigMap') as Loose;
  const deployment = objects.find((o) => o.kind === 'Deployment') as Loose;
  return {
    runtime: runtimeConfigSchema.parse(JSON.parse(configMap.data['agent.json'])),
    raw: configMap.data['agent.json'] as string,
    env: deployment.spec.template.spec.containers[0].env as Loose[],
  };
}

describe('tools in a config', () => {
  it('accepts each tool type and resolves its defaults into the runtime config', () => {
    const { runtime } = render(agent({ toolLimits: { maxSteps: 4 } }));
    expect(runtime.tools).toEqual([
      {
        type: 'http',
        name: 'weather',
        description: 'Current weather for a city',
        method: 'GET',
        url: 'https://api.weather.example/v1/current?city={city}',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        headers: [],
      },
      {
        type: 'mcp',
        name: 'tickets',
        url: 'https://mcp.example.com/mcp',
        allow: ['search_tickets'],
        headers: [{ name: 'authorization', env: 'FLEETPLANE_TOOL_1_AUTHORIZATION', prefix: 'Bearer ' }],
      },
      {
        type: 'agent',
        name: 'research',
        description: 'Ask the agent research-helper; its answer is the result',
        agent: 'research-helper',
        url: 'http://research-helper.agents.svc/research-helper',
        headers: [],
      },
    ]);
    expect(runtime.toolLimits).toEqual({
      maxSteps: 4,
      timeoutMs: 15_000,
      maxResultBytes: 32_768,
      maxTools: 32,
    });
  });

  it('renders a tool credential as env from the agent’s own Secret, never into the config file', () => {
    const { raw, env } = render(
      agent({
        tools: [tickets, { ...research, apiKey: { name: 'support-bot.research', key: 'key' } }],
      }),
    );
    expect(raw).not.toContain('support-bot.tickets');
    expect(env.filter((e) => e.name.startsWith('FLEETPLANE_TOOL_'))).toEqual([
      {
        name: 'FLEETPLANE_TOOL_0_AUTHORIZATION',
        valueFrom: { secretKeyRef: { name: 'support-bot.tickets', key: 'token' } },
      },
      {
        name: 'FLEETPLANE_TOOL_1_AUTHORIZATION',
        valueFrom: { secretKeyRef: { name: 'support-bot.research', key: 'key' } },
      },
    ]);
  });

  it('calls another agent through the local server when the agent runs there', () => {
    const local = {
      ...DEFAULT_PLATFORM,
      localServer: { url: 'http://127.0.0.1:8080', runsEveryAgent: true },
    };
    expect(render(agent({}), local).runtime.tools[2]).toMatchObject({
      url: 'http://127.0.0.1:8080/research-helper',
    });
    const hybrid = {
      ...DEFAULT_PLATFORM,
      localServer: { url: 'http://127.0.0.1:8080', runsEveryAgent: false },
    };
    expect(render(agent({}), hybrid).runtime.tools[2]).toMatchObject({
      url: 'http://research-helper.agents.svc/research-helper',
    });
    expect(render(agent({ cloud: 'local' }), hybrid).runtime.tools[2]).toMatchObject({
      url: 'http://127.0.0.1:8080/research-helper',
    });
  });

  it('leaves the runtime config of an agent without tools as it was', () => {
    const { raw } = render({ name: 'plain' });
    expect(raw).not.toContain('tools');
    expect(raw).not.toContain('toolLimits');
  });

  it.each([
    [
      { tools: [{ ...weather, url: 'https://{host}/x' }] },
      'tools[0].url',
      /only the path and the query may vary/,
    ],
    [
      { tools: [{ ...weather, url: 'https://api.example/x?api_key=abc' }] },
      'tools[0].url',
      /secret in its query/,
    ],
    [{ tools: [{ ...weather, name: 'has space' }] }, 'tools[0].name', /must start with a letter/],
    [{ tools: [weather, weather] }, 'tools[1].name', /must be unique among the agent's tools/],
    [{ tools: [{ ...research, agent: 'support-bot' }] }, 'tools[0].agent', /an agent cannot call itself/],
    [{ tools: [{ ...research, agent: 'Bad_Name' }] }, 'tools[0].agent', /DNS label/],
    [
      { tools: [{ ...weather, headers: { authorization: 'Bearer abc' } }] },
      'tools[0].headers.authorization',
      /never stored inline: use \{"secretRef"/,
    ],
    [
      { tools: [{ ...weather, headers: { 'x-trace': 'Bearer abc' } }] },
      'tools[0].headers.x-trace',
      /credential/,
    ],
    [
      { tools: [{ ...weather, headers: { Host: 'internal' } }] },
      'tools[0].headers.Host',
      /set by the platform/,
    ],
    [
      {
        tools: [
          { ...tickets, headers: { authorization: { secretRef: { name: 'other-bot.key', key: 'k' } } } },
        ],
      },
      'tools[0].headers.authorization.secretRef.name',
      /this agent's own Secrets/,
    ],
    [
      { tools: [{ ...research, apiKey: { name: 'fleetplane-provider', key: 'OPENAI_API_KEY' } }] },
      'tools[0].apiKey.name',
      /own Secrets/,
    ],
    [
      { tools: [{ ...weather, parameters: { type: 'object', properties: {} } }] },
      'tools[0].parameters',
      /must list the URL's slot "city" in properties and in required/,
    ],
    [{ tools: [{ ...tickets, url: 'https://mcp.example/{x}' }] }, 'tools[0].url', /plain URL/],
    [{ toolLimits: { maxSteps: 0 } }, 'toolLimits.maxSteps', /at least 1/],
  ])('refuses %j, naming the field and the rule', (config, path, message) => {
    const errors = errorsOf({ name: 'support-bot', ...config });
    expect(errors.find((e) => e.path === path)?.message).toMatch(message);
  });
});

describe("tools and the platform's policy", () => {
  it('refuses what is over the platform’s caps, naming the setting', () => {
    const errors = errorsOf(
      agent({ toolLimits: { maxSteps: 17, timeoutMs: 60_001, maxResultBytes: 300_000 } }),
    );
    expect(errors.map((e) => [e.path, e.message])).toEqual([
      [
        'toolLimits.maxSteps',
        "must be at most 16, the platform's cap (FLEETPLANE_AGENT_MAX_TOOL_STEPS) (got 17)",
      ],
      [
        'toolLimits.timeoutMs',
        "must be at most 60000, the platform's cap (FLEETPLANE_AGENT_MAX_TOOL_TIMEOUT_MS) (got 60001)",
      ],
      [
        'toolLimits.maxResultBytes',
        "must be at most 262144, the platform's cap (FLEETPLANE_AGENT_MAX_TOOL_RESULT_BYTES) (got 300000)",
      ],
    ]);
    const many = Array.from({ length: 3 }, (_, i) => ({ ...weather, name: `w${i}` }));
    const capped = { ...DEFAULT_PLATFORM, toolCaps: { ...DEFAULT_PLATFORM.toolCaps, maxTools: 2 } };
    expect(errorsOf({ name: 'a', tools: many }, capped)).toEqual([
      expect.objectContaining({
        path: 'tools',
        message: expect.stringMatching(/at most 2 tools.*FLEETPLANE_AGENT_MAX_TOOLS.*got 3/),
      }),
    ]);
  });

  it('lets tools reach public https hosts, listed in-cluster Services, and loopback only on the local server', () => {
    const url = (u: string) => ({ name: 'a', tools: [{ ...weather, url: u }] });
    expect(errorsOf(url('https://api.example.com/{city}'))).toEqual([]);
    expect(errorsOf(url('http://api.example.com/{city}'))[0]?.message).toMatch(/must use https:\/\//);
    expect(errorsOf(url('https://localhost/{city}'))[0]?.message).toMatch(/localhost/);
    expect(errorsOf(url('http://tickets.tools.svc:8080/{city}'))[0]?.message).toMatch(
      /FLEETPLANE_ALLOWED_TOOL_ORIGINS \(none is listed\)/,
    );
    const listed = { ...DEFAULT_PLATFORM, allowedToolOrigins: ['http://tickets.tools.svc:8080'] };
    expect(errorsOf(url('http://tickets.tools.svc:8080/{city}'), listed)).toEqual([]);
    expect(errorsOf(url('http://tickets.tools.svc:9090/{city}'), listed)[0]?.message).toMatch(
      /lists its origin/,
    );
    const local = {
      ...DEFAULT_PLATFORM,
      localServer: { url: 'http://127.0.0.1:8080', runsEveryAgent: true },
    };
    expect(errorsOf(url('http://127.0.0.1:11435/demo/{city}'), local)).toEqual([]);
    expect(errorsOf(url('http://localhost:11435/demo/{city}'), local)).toEqual([]);
  });

  it("refuses tool hosts that are addresses of the platform's own networks, as every URL a config names", () => {
    const url = (u: string) => ({ name: 'a', tools: [{ ...weather, url: u }] });
    for (const host of ['169.254.169.254', '10.245.0.1', '[::ffff:127.0.0.1]', '2130706433', '0x7f.1'])
      expect(errorsOf(url(`https://${host}/{city}`))[0]?.message).toMatch(/must not/);
    const local = {
      ...DEFAULT_PLATFORM,
      localServer: { url: 'http://127.0.0.1:8080', runsEveryAgent: true },
    };
    // The local server may reach its own loopback, never the metadata service or a private network.
    expect(errorsOf(url('http://169.254.169.254/{city}'), local)[0]?.message).toMatch(/link-local/);
    expect(errorsOf(url('http://192.168.1.10/{city}'), local)[0]?.message).toMatch(/private/);
  });
});

describe('the NetworkPolicies of tools', () => {
  const platform = { ...DEFAULT_PLATFORM, allowedToolOrigins: ['http://tickets.tools.svc:8080'] };
  const objects = (config: unknown, settings: PlatformSettings = platform) => {
    const result = validateAgentConfig(config);
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    return renderAgent({
      spec: result.spec,
      image: 'img:1',
      platform: settings,
      generation: 1,
      specHash: hashOf(result.spec),
    });
  };
  const caller = {
    name: 'support-bot',
    tools: [
      { type: 'http', name: 'weather', url: 'https://api.weather.example:8443/v1?city={city}' },
      { type: 'http', name: 'geo', url: 'https://geo.example/{q}' },
      { type: 'mcp', name: 'tickets', url: 'http://tickets.tools.svc:8080/mcp' },
      { type: 'agent', name: 'research', agent: 'research-helper' },
      { type: 'agent', name: 'writer', agent: 'blog-writer' },
    ],
  };

  it("opens exactly the tools' ports and the caller's edges to its callees", () => {
    const policy = objects(caller).find((o) => o.kind === 'NetworkPolicy') as Loose;
    const base = objects({ name: 'support-bot' }).find((o) => o.kind === 'NetworkPolicy') as Loose;
    // What the tools add comes after the policy's own rules, which stay as they were.
    expect(policy.spec.egress.slice(0, base.spec.egress.length)).toEqual(base.spec.egress);
    expect(policy.spec.egress.slice(base.spec.egress.length)).toEqual([
      {
        to: [{ ipBlock: { cidr: '0.0.0.0/0', except: DEFAULT_PLATFORM.egressDenyCidrs } }],
        ports: [
          { protocol: 'TCP', port: 443 },
          { protocol: 'TCP', port: 8443 },
        ],
      },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tools' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
      {
        to: [
          { podSelector: { matchLabels: { 'fleetplane.io/agent': 'blog-writer' } } },
          { podSelector: { matchLabels: { 'fleetplane.io/agent': 'research-helper' } } },
        ],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);
  });

  it("labels the caller's pods for each callee, and every agent admits the pods so labelled", () => {
    const deployment = objects(caller).find((o) => o.kind === 'Deployment') as Loose;
    expect(deployment.spec.template.metadata.labels).toMatchObject({
      'calls.fleetplane.io/blog-writer': 'true',
      'calls.fleetplane.io/research-helper': 'true',
    });
    expect(deployment.spec.selector.matchLabels).toEqual({ 'fleetplane.io/agent': 'support-bot' });
    const callee = objects({ name: 'research-helper' }).find((o) => o.kind === 'NetworkPolicy') as Loose;
    expect(callee.spec.ingress.at(-1)).toEqual({
      from: [
        {
          podSelector: {
            matchExpressions: [{ key: 'calls.fleetplane.io/research-helper', operator: 'Exists' }],
          },
        },
      ],
      ports: [{ protocol: 'TCP', port: 8080 }],
    });
    const plain = objects({ name: 'plain' }).find((o) => o.kind === 'Deployment') as Loose;
    expect(Object.keys(plain.spec.template.metadata.labels).some((k) => k.startsWith('calls.'))).toBe(false);
  });

  it('adds no tool rule for an agent that runs on the local server', () => {
    const local = { ...platform, localServer: { url: 'http://127.0.0.1:8080', runsEveryAgent: true } };
    const policy = objects(caller, local).find((o) => o.kind === 'NetworkPolicy') as Loose;
    const base = objects({ name: 'support-bot' }, local).find((o) => o.kind === 'NetworkPolicy') as Loose;
    expect(policy.spec.egress).toEqual(base.spec.egress);
  });
});
