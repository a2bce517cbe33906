/**
 * The agent as an MCP server, driven by the official MCP SDK's client over Streamable HTTP
 * against real agents (createAgentApp on node:http) in front of the fake model: its tools, a
 * call of `generate` and of a custom endpoint, errors as tool results, the API key, and
 * statelessness (one client's requests spread over two replicas).
 */
import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agentConfig, startAgent, type TestAgent } from './helpers.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

async function connect(url: string, opts: { key?: string; fetch?: typeof fetch } = {}): Promise<Client> {
  const client = new Client({ name: 'fleetplane-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    requestInit: opts.key ? { headers: { authorization: `Bearer ${opts.key}` } } : {},
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  await client.connect(transport);
  return client;
}

const textOf = (result: unknown) => {
  const { content } = result as CallToolResult;
  return content.map((part) => (part.type === 'text' ? part.text : `<${part.type}>`)).join('');
};

describe('an agent as an MCP server', () => {
  let agent: TestAgent;
  let client: Client;
  beforeAll(async () => {
    agent = await startAgent();
    client = await connect(`${agent.url}/mcp`);
  });
  afterAll(async () => {
    await client.close();
    await agent.close();
  });

  it('introduces itself and lists generate and one tool per custom endpoint, with their inputs', async () => {
    expect(client.getServerVersion()).toMatchObject({ name: 'my-assistant', version: '0.1.0' });
    expect(client.getInstructions()).toContain('my-assistant');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['generate', 'summarize', 'translate_fr']);
    const [generate, summarize, translate] = tools;
    expect(generate?.inputSchema).toMatchObject({
      type: 'object',
      required: ['prompt'],
      additionalProperties: false,
      properties: { prompt: { type: 'string', minLength: 1 }, max_tokens: { maximum: 4096 } },
    });
    expect(summarize).toMatchObject({
      title: 'Summarize a text',
      inputSchema: { type: 'object', required: ['style', 'text'], additionalProperties: false },
    });
    expect(Object.keys(summarize?.inputSchema.properties ?? {})).toEqual(['style', 'text']);
    expect(translate?.description).toContain('GET /translate/fr');
  });

  it('answers tools/call generate through the model, with the instruction and the agent defaults', async () => {
    const result = await client.callTool({ name: 'generate', arguments: { prompt: 'hello over mcp' } });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('hello over mcp');
    expect(agent.fake.requests.at(-1)?.body).toMatchObject({
      model: 'gpt-4o',
      temperature: 0.7,
      max_tokens: 256,
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'hello over mcp' },
      ],
    });
  });

  it('calls a custom endpoint with its slots filled, at the endpoint temperature', async () => {
    const result = await client.callTool({
      name: 'summarize',
      arguments: { style: 'terse', text: 'a long story' },
    });
    expect(textOf(result)).toBe('Summarize in terse style: a long story');
    expect(agent.fake.requests.at(-1)?.body).toMatchObject({ temperature: 0.2 });
  });

  it('answers bad arguments with an error result naming each field, without calling the model', async () => {
    const before = agent.fake.requests.length;
    const result = await client.callTool({ name: 'summarize', arguments: { style: 'terse', txt: 'typo' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /^Invalid input: text: is required \(expected string\); txt: is not a known field/,
    );
    const tooHot = await client.callTool({ name: 'generate', arguments: { prompt: 'x', temperature: 5 } });
    expect(textOf(tooHot)).toContain('temperature: must be at most 2 (got number 5)');
    expect(agent.fake.requests.length).toBe(before);
  });

  it('answers a model failure with an error result carrying the request id, not a protocol error', async () => {
    agent.fake.script({ status: 400, message: 'secret upstream detail' });
    const result = await client.callTool({ name: 'generate', arguments: { prompt: 'x' } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/request id [0-9a-f-]{36}/);
    expect(textOf(result)).not.toContain('secret upstream detail');
  });

  it('refuses an unknown tool as invalid params, naming the tools it has', async () => {
    await expect(client.callTool({ name: 'nope', arguments: {} })).rejects.toThrow(
      /unknown tool "nope"; this agent's tools are generate, summarize, translate_fr/,
    );
  });

  it('answers GET and DELETE with 405: there is no session', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${agent.url}/mcp`, { method, headers: { accept: 'text/event-stream' } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });

  it('keeps nothing between requests: one client works across two replicas, alternating', async () => {
    const second = await startAgent(agentConfig(), {}, { fake: agent.fake });
    try {
      const replicas = [new URL(agent.url), new URL(second.url)];
      let turn = 0;
      const served: string[] = [];
      const spread: typeof fetch = (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        const replica = replicas[turn++ % 2] as URL;
        url.host = replica.host;
        served.push(url.host);
        return fetch(url, init);
      };
      const roaming = await connect(`${agent.url}/mcp`, { fetch: spread });
      expect((await roaming.listTools()).tools).toHaveLength(3);
      expect(textOf(await roaming.callTool({ name: 'generate', arguments: { prompt: 'anywhere' } }))).toBe(
        'anywhere',
      );
      await roaming.close();
      expect(new Set(served)).toEqual(new Set(replicas.map((r) => r.host)));
    } finally {
      await second.shutdown();
    }
  });
});

describe('the tools of an agent without /generate, whose endpoint paths collide as names', () => {
  it('lists only its endpoints, each under a name of its own', async () => {
    const endpoint = { method: 'POST' as const, description: 'd', prompt: '{{input}}', slots: ['input'] };
    const agent = await startAgent(
      agentConfig({
        endpoints: ['chat'],
        customEndpoints: [
          { ...endpoint, path: 'review/code' },
          { ...endpoint, path: 'review_code' },
        ],
      }),
    );
    try {
      const client = await connect(`${agent.url}/mcp`);
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['review_code', 'review_code_2']);
      const second = await client.callTool({ name: 'review_code_2', arguments: { input: 'which one' } });
      expect(textOf(second)).toBe('which one');
      await client.close();
    } finally {
      await agent.close();
    }
  });
});

describe('an MCP server of an agent that requires an API key', () => {
  let agent: TestAgent;
  afterEach(() => agent.close());

  it('refuses a client without the key (401) and serves one that sends it as the bearer token', async () => {
    agent = await startAgent(agentConfig({ requireApiKey: true }), { apiKeyHashes: [sha256('mcp-key')] });
    await expect(connect(`${agent.url}/mcp`)).rejects.toThrow(/401/);
    await expect(connect(`${agent.url}/mcp`, { key: 'wrong' })).rejects.toThrow(/401/);
    const client = await connect(`${agent.url}/mcp`, { key: 'mcp-key' });
    expect(textOf(await client.callTool({ name: 'generate', arguments: { prompt: 'with key' } }))).toBe(
      'with key',
    );
    await client.close();
  });
});
