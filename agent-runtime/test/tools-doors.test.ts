/**
 * An agent with tools answers with them through every door, not only /generate: its MCP
 * `generate` tool (official MCP SDK client) and A2A `message/send` and `message/stream` (raw
 * JSON-RPC, the 0.3 wire shape) run the same tool loop.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test/support/capture-server.ts';
import { agentConfig, post, startAgent, type TestAgent } from './helpers.ts';

describe('an agent with tools, through MCP and A2A', () => {
  let api: CaptureServer;
  let agent: TestAgent;
  beforeAll(async () => {
    api = await startCaptureServer(() => ({
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ celsius: 21 }),
    }));
    agent = await startAgent(
      agentConfig({
        tools: [
          {
            type: 'http',
            name: 'weather',
            description: 'Current weather for a city',
            method: 'GET',
            url: `${api.origin}/v1/current/{city}`,
            parameters: {
              type: 'object',
              properties: { city: { type: 'string' } },
              required: ['city'],
            },
            headers: [],
          },
        ],
      }),
    );
  });
  afterAll(async () => {
    await agent?.close();
    await api?.close();
  });

  it('runs the tool for an MCP tools/call of generate, and answers with its result', async () => {
    const client = new Client({ name: 'fleetplane-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${agent.url}/mcp`)));
    try {
      const before = api.requests.length;
      const result = (await client.callTool({
        name: 'generate',
        arguments: { prompt: 'Please use weather city=Lisbon' },
      })) as CallToolResult;
      expect(result.isError).toBeFalsy();
      expect(result.content).toEqual([{ type: 'text', text: 'weather: {"celsius":21}' }]);
      expect(api.requests.slice(before).map((r) => r.url)).toEqual(['/v1/current/Lisbon']);
    } finally {
      await client.close();
    }
  });

  it('runs the tool for A2A message/send and message/stream', async () => {
    const message = (text: string) => ({
      message: {
        kind: 'message',
        messageId: crypto.randomUUID(),
        role: 'user',
        parts: [{ kind: 'text', text }],
      },
    });
    const sent = await post(`${agent.url}/a2a`, {
      jsonrpc: '2.0',
      id: 1,
      method: 'message/send',
      params: message('Please use weather city=Porto'),
    });
    expect(await sent.json()).toMatchObject({
      result: { kind: 'message', role: 'agent', parts: [{ kind: 'text', text: 'weather: {"celsius":21}' }] },
    });
    expect(api.requests.at(-1)?.url).toBe('/v1/current/Porto');

    const streamed = await post(`${agent.url}/a2a`, {
      jsonrpc: '2.0',
      id: 2,
      method: 'message/stream',
      params: message('Please use weather city=Faro'),
    });
    const text = await streamed.text();
    expect(api.requests.at(-1)?.url).toBe('/v1/current/Faro');
    // The answer's text reaches the stream as artifact chunks, and the task completes.
    const chunks = [...text.matchAll(/"text":"((?:[^"\\]|\\.)*)"/g)]
      .map((m) => JSON.parse(`"${m[1]}"`))
      .join('');
    expect(chunks).toContain('weather: {"celsius":21}');
    expect(text).toContain('"completed"');
  });
});
