/**
 * Every agent is an MCP server at `<basePath>/mcp` (mcp-server.ts). Mounted here without the
 * MCP SDK, which is loaded on the first request, so an agent that is never asked over MCP does
 * not pay for it at start. GET and DELETE answer 405: the server is stateless, so there is no
 * session to stream to or to end.
 */
import type { Hono } from 'hono';
import type { AgentRuntime } from '../agent-runtime.ts';
import type { AgentEnv } from '../http/agent-env.ts';
import { skillsOf } from '../routes/agent-skills.ts';
import { loadOnce } from './load-once.ts';

export function registerMcp(app: Hono<AgentEnv>, rt: AgentRuntime): void {
  // The skills too are built on first use: a pool builds a thousand agents' apps.
  const server = loadOnce(async () => (await import('./mcp-server.ts')).mcpServer(rt, skillsOf(rt)));
  app.post('/mcp', async (c) => (await server())(c));
  app.on(['GET', 'DELETE'], '/mcp', (c) =>
    c.json(
      {
        jsonrpc: '2.0',
        error: {
          code: -32000,
          message:
            'Method not allowed: this MCP server is stateless (POST only; no session to stream or end)',
        },
        id: null,
      },
      405,
      { Allow: 'POST' },
    ),
  );
}
