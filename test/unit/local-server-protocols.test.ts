/**
 * An agent deployed on the local server (`npm start` as a process, the agent a child process
 * behind its proxy) used as the README says, over real HTTP: from an MCP client built with the
 * official SDK at `<url>mcp`, and from the official A2A client at `<url>` (its card, an answer
 * and a stream). The card must name the local server's address, not the agent process's own.
 */
import { type Message, type Part, Role, type SendMessageRequest } from '@a2a-js/sdk';
import { ClientFactory } from '@a2a-js/sdk/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLlm, startFakeLlm } from '../support/fake-llm.ts';
import { type LocalServer, startLocalServer } from '../support/local-server.ts';
import { waitFor } from '../support/wait.ts';

let llm: FakeLlm;
let local: LocalServer;
let agentUrl: string;

beforeAll(async () => {
  llm = await startFakeLlm();
  local = await startLocalServer({ env: { OPENAI_BASE_URL: llm.baseURL, OPENAI_API_KEY: 'local-key' } });
  const deployed = await fetch(`${local.base}/deploy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'proto-agent',
      customEndpoints: [{ path: 'review/code', prompt: 'Review this {{language}} code: {{code}}' }],
    }),
  });
  expect(deployed.status).toBe(201);
  const running = await waitFor('Running', async () => {
    const status = await (await fetch(`${local.base}/deployments/proto-agent`)).json();
    return status.phase === 'Running' && status;
  });
  agentUrl = running.url;
}, 90_000);

afterAll(async () => {
  await local?.kill();
  await llm?.close();
});

const text = (result: unknown) =>
  (result as CallToolResult).content.map((part) => (part.type === 'text' ? part.text : '')).join('');

const ask = (value: string): SendMessageRequest => ({
  tenant: '',
  message: {
    messageId: crypto.randomUUID(),
    contextId: '',
    taskId: '',
    role: Role.ROLE_USER,
    parts: [
      { content: { $case: 'text', value }, metadata: undefined, filename: '', mediaType: 'text/plain' },
    ],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  },
  configuration: undefined,
  metadata: undefined,
});
const textOf = (parts: Part[] | undefined) =>
  (parts ?? []).map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');

describe('a local agent used from MCP and A2A clients, through the local server', () => {
  it('is an MCP server at <url>mcp: lists its tools and calls generate and the custom endpoint', async () => {
    expect(agentUrl).toBe(`${local.base}/proto-agent/`);
    const client = new Client({ name: 'fleetplane-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL('mcp', agentUrl)));
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['generate', 'review_code']);
    expect(tools[1]?.inputSchema.required).toEqual(['language', 'code']);
    expect(text(await client.callTool({ name: 'generate', arguments: { prompt: 'hello via proxy' } }))).toBe(
      'hello via proxy',
    );
    const review = await client.callTool({
      name: 'review_code',
      arguments: { language: 'Go', code: 'package main' },
    });
    expect(text(review)).toBe('Review this Go code: package main');
    expect(llm.requests.at(-1)?.headers.authorization).toBe('Bearer local-key');
    await client.close();
  });

  it('is an A2A agent at <url>: its card names the local server, and it answers and streams', async () => {
    const client = await new ClientFactory().createFromUrl(agentUrl);
    const card = await client.getAgentCard();
    expect(card.name).toBe('proto-agent');
    expect(card.supportedInterfaces[0]?.url).toBe(`${local.base}/proto-agent/a2a`);
    expect(card.skills.map((s) => s.id)).toEqual(['generate', 'review_code']);

    const answer = (await client.sendMessage(ask('hello over a2a'))) as Message;
    expect(textOf(answer.parts)).toBe('hello over a2a');
    let streamed = '';
    let events = 0;
    for await (const event of client.sendMessageStream(ask('one two three four'))) {
      events++;
      if (event.payload?.$case === 'artifactUpdate') streamed += textOf(event.payload.value.artifact?.parts);
    }
    expect(streamed).toBe('one two three four');
    expect(events).toBeGreaterThan(3);
  });
});
