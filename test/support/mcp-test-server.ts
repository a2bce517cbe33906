/**
 * An MCP server built with the official SDK (`McpServer` + its Streamable HTTP transport) on
 * 127.0.0.1, for tests of agents that call MCP tools. `tools(server)` registers the tools.
 *
 * Stateless (a fresh server and transport per request, as the SDK's examples do), or stateful
 * (one session per client, kept), so a test can add a tool to a live session and see the
 * agent hear `notifications/tools/list_changed`. Every request's method and JSON-RPC method
 * is recorded.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

export interface McpTestServer {
  /** http://127.0.0.1:<port>/mcp */
  url: string;
  /** `POST tools/call`, `GET`, ...: every request, in order. */
  calls: { http: string; rpc?: string; authorization?: string }[];
  /** The live sessions' servers (stateful only), to register more tools on. */
  sessions: McpServer[];
  close(): Promise<void>;
}

export async function startMcpTestServer(
  tools: (server: McpServer) => void,
  options: { stateful?: boolean } = {},
): Promise<McpTestServer> {
  const calls: McpTestServer['calls'] = [];
  const sessions: McpServer[] = [];
  const transports = new Map<string, StreamableHTTPServerTransport>();

  const handle = async (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    if (!options.stateful) {
      const server = new McpServer({ name: 'test-tools', version: '1.0.0' });
      tools(server);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
      return;
    }
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? transports.get(id) : undefined;
    if (!transport) {
      const server = new McpServer({ name: 'test-tools', version: '1.0.0' });
      tools(server);
      sessions.push(server);
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sessionId) => {
          transports.set(sessionId, created);
        },
      });
      transport = created;
      await server.connect(created);
    }
    await transport.handleRequest(req, res, body);
  };

  const http = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      const body = text ? (JSON.parse(text) as { method?: string }) : undefined;
      calls.push({
        http: req.method ?? 'GET',
        ...(body?.method ? { rpc: body.method } : {}),
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      });
      handle(req, res, body).catch((error: Error) => {
        if (!res.headersSent) res.writeHead(500).end(error.message);
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    sessions,
    close: async () => {
      await Promise.all([...transports.values()].map((t) => t.close()));
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}
