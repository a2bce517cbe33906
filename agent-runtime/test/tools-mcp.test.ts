/**
 * An agent with an `mcp` tool, against MCP servers built with the official SDK in the test:
 * the server's tools are listed at start (only the allowed ones offered, as <name>__<tool>),
 * called with the agent's credential for that server, their results (and `isError`) reach the
 * model, and a server that says its list changed is listed again.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type McpTestServer, startMcpTestServer } from '../../test/support/mcp-test-server.ts';
import { waitFor } from '../../test/support/wait.ts';
import { agentConfig, post, startAgent, type TestAgent } from './helpers.ts';

function ticketTools(server: McpServer) {
  server.registerTool(
    'search_tickets',
    { description: 'Search tickets', inputSchema: { query: z.string() } },
    async ({ query }) => ({ content: [{ type: 'text', text: `2 tickets about ${query}` }] }),
  );
  server.registerTool(
    'get_ticket',
    { description: 'One ticket', inputSchema: { id: z.string() } },
    async ({ id }) => ({
      content: [
        { type: 'text', text: `ticket ${id}: printer on fire` },
        { type: 'image', data: 'aGVsbG8=', mimeType: 'image/png' },
      ],
    }),
  );
  server.registerTool(
    'delete_ticket',
    { description: 'Deletes a ticket', inputSchema: { id: z.string() } },
    async () => ({
      content: [{ type: 'text', text: 'deleted' }],
    }),
  );
  server.registerTool('broken', { description: 'Always fails', inputSchema: {} }, async () => ({
    content: [{ type: 'text', text: 'the database is read-only' }],
    isError: true,
  }));
}

const offered = (agent: TestAgent) =>
  (
    (agent.fake.requests.at(-1)?.body as { tools?: { function: { name: string } }[] } | undefined)?.tools ??
    []
  ).map((tool) => tool.function.name);

describe('an mcp tool (a stateless server)', () => {
  let mcp: McpTestServer;
  let agent: TestAgent;
  beforeAll(async () => {
    mcp = await startMcpTestServer(ticketTools);
    agent = await startAgent(
      agentConfig({
        tools: [
          {
            type: 'mcp',
            name: 'tickets',
            url: mcp.url,
            allow: ['search_tickets', 'get_ticket', 'broken'],
            headers: [{ name: 'authorization', env: 'FLEETPLANE_TOOL_0_AUTHORIZATION', prefix: 'Bearer ' }],
          },
        ],
      }),
      { toolSecrets: (name) => (name === 'FLEETPLANE_TOOL_0_AUTHORIZATION' ? 'mcp-secret' : undefined) },
    );
  });
  afterAll(async () => {
    await agent?.close();
    await mcp?.close();
  });

  it('lists the server’s tools and offers the model only the allowed ones', async () => {
    const res = await post(`${agent.url}/generate`, { prompt: 'hello' });
    expect((await res.json()).text).toBe('hello');
    expect(offered(agent)).toEqual(['tickets__search_tickets', 'tickets__get_ticket', 'tickets__broken']);
    const about = await (await fetch(agent.url)).json();
    expect(about.tools).toEqual([
      {
        name: 'tickets',
        type: 'mcp',
        offered: ['tickets__search_tickets', 'tickets__get_ticket', 'tickets__broken'],
      },
    ]);
    expect(mcp.calls.map((c) => c.rpc).filter(Boolean)).toEqual(
      expect.arrayContaining(['initialize', 'notifications/initialized', 'tools/list']),
    );
  });

  it('calls a tool with the agent’s credential for that server, and its result reaches the answer', async () => {
    const res = await post(`${agent.url}/generate`, { prompt: 'tickets__search_tickets query=printer' });
    expect(await res.json()).toMatchObject({
      text: 'tickets__search_tickets: 2 tickets about printer',
      tool_calls: [{ name: 'tickets__search_tickets', outcome: 'ok' }],
    });
    const call = mcp.calls.find((c) => c.rpc === 'tools/call');
    expect(call?.authorization).toBe('Bearer mcp-secret');
  });

  it('hands the model text only (other content is named), and an isError result as an error', async () => {
    const both = await post(`${agent.url}/generate`, {
      prompt: 'tickets__get_ticket id=7 and tickets__broken',
    });
    const body = await both.json();
    expect(body.text).toBe(
      [
        'tickets__get_ticket: ticket 7: printer on fire\n[image content omitted: only text reaches the model]',
        'tickets__broken: ERROR: the database is read-only',
      ].join('\n'),
    );
    expect(body.tool_calls.map((c: { outcome: string }) => c.outcome)).toEqual(['ok', 'error']);
    expect(body.tool_calls.every((c: { step: number }) => c.step === 1)).toBe(true);
  });

  it('refuses a tool the allow list leaves out, even when the model names it', async () => {
    agent.fake.script({ toolCalls: [{ name: 'tickets__delete_ticket', arguments: { id: '7' } }] });
    const body = await (await post(`${agent.url}/generate`, { prompt: 'go' })).json();
    expect(body.text).toBe(
      'tickets__delete_ticket: ERROR: no tool named "tickets__delete_ticket" is offered',
    );
    expect(mcp.calls.filter((c) => c.rpc === 'tools/call')).toHaveLength(3);
  });
});

describe('an mcp tool (a server with sessions that changes its list)', () => {
  let mcp: McpTestServer;
  let agent: TestAgent;
  beforeAll(async () => {
    mcp = await startMcpTestServer(ticketTools, { stateful: true });
    agent = await startAgent(agentConfig({ tools: [{ type: 'mcp', name: 'tickets', url: mcp.url }] }));
  });
  afterAll(async () => {
    await agent?.close();
    await mcp?.close();
  });

  it('lists again when the server says its tools changed, and offers the new one', async () => {
    await post(`${agent.url}/generate`, { prompt: 'hello' });
    expect(offered(agent)).toHaveLength(4);
    const lists = () => mcp.calls.filter((c) => c.rpc === 'tools/list').length;
    const before = lists();
    mcp.sessions[0]?.registerTool(
      'close_ticket',
      { description: 'Closes a ticket', inputSchema: { id: z.string() } },
      async ({ id }) => ({ content: [{ type: 'text', text: `closed ${id}` }] }),
    );
    await waitFor('a second listing', async () => (lists() > before ? true : undefined));
    await waitFor('the new tool offered', async () => {
      const res = await post(`${agent.url}/generate`, { prompt: 'tickets__close_ticket id=9' });
      const body = await res.json();
      return body.text === 'tickets__close_ticket: closed 9' ? body : undefined;
    });
  });
});
