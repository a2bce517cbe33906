/**
 * The quick start's tools, served beside the stand-in model by `npm run model:echo`, so an
 * agent can call an HTTP API and an MCP server on a laptop with no account and no network:
 *
 * - `GET /demo/weather?city=<city>`: `{"city", "forecast", "celsius"}`, made up but stable;
 * - `/demo/mcp`: an MCP server (the official SDK, stateless Streamable HTTP) with one tool,
 *   `find_trains {from, to}`.
 *
 * Loopback only, like the model. Nothing here is real data.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const FORECASTS = ['sunny', 'cloudy', 'light rain', 'windy'];

/** A number from a text, always the same for the same text. */
const stable = (text: string) => [...text].reduce((n, c) => (n * 31 + c.charCodeAt(0)) % 1_000_003, 7);

export function weatherOf(city: string) {
  const n = stable(city.toLowerCase());
  return { city, forecast: FORECASTS[n % FORECASTS.length], celsius: 8 + (n % 20) };
}

export function trainsBetween(from: string, to: string): string {
  const n = stable(`${from}>${to}`.toLowerCase());
  const times = [6 + (n % 3), 11 + (n % 4), 17 + (n % 3)].map((h, i) => `${h}:${String((n >> i) % 6)}0`);
  return `3 trains from ${from} to ${to} today: ${times.join(', ')}`;
}

function mcpServer(): McpServer {
  const server = new McpServer({ name: 'fleetplane-demo', version: '1.0.0' });
  server.registerTool(
    'find_trains',
    {
      description: 'Trains between two cities today (demo data)',
      inputSchema: { from: z.string(), to: z.string() },
    },
    async ({ from, to }) => ({ content: [{ type: 'text', text: trainsBetween(from, to) }] }),
  );
  return server;
}

/** Answers /demo/* (true), or leaves the request to the model (false). */
export function demoTools(req: IncomingMessage, res: ServerResponse, path: string, body: unknown): boolean {
  if (path === '/demo/weather' && req.method === 'GET') {
    const city = new URL(req.url ?? '/', 'http://localhost').searchParams.get('city') ?? '';
    const payload = city ? weatherOf(city) : { error: 'city is required' };
    res.writeHead(city ? 200 : 400, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
    return true;
  }
  if (path === '/demo/mcp') {
    const server = mcpServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    void server
      .connect(transport)
      .then(() => transport.handleRequest(req, res, body))
      .catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    return true;
  }
  return false;
}
