import { describe, expect, it } from 'vitest';
import { keyVariable, mcpClientConfig } from './agent-connect.ts';

describe('the MCP client config the agent page shows', () => {
  it('points at <url>mcp, with no header for an agent without a key', () => {
    expect(JSON.parse(mcpClientConfig('alpha', 'https://agents.example.com/alpha/', 'none'))).toEqual({
      mcpServers: { alpha: { type: 'http', url: 'https://agents.example.com/alpha/mcp' } },
    });
  });

  it('reads the key from an environment variable, never holding it', () => {
    expect(keyVariable('support-bot')).toBe('SUPPORT_BOT_API_KEY');
    expect(
      JSON.parse(mcpClientConfig('support-bot', 'http://127.0.0.1:8080/support-bot/', 'agent-key')),
    ).toEqual({
      mcpServers: {
        'support-bot': {
          type: 'http',
          url: 'http://127.0.0.1:8080/support-bot/mcp',
          // The client expands the variable; the console writes its name, not a key.
          headers: { Authorization: `Bearer $\{SUPPORT_BOT_API_KEY}` },
        },
      },
    });
  });

  it("reads the local server's token from FLEETPLANE_TOKEN when the server guards an agent without keys", () => {
    expect(JSON.parse(mcpClientConfig('alpha', 'http://127.0.0.1:8080/alpha/', 'server-token'))).toEqual({
      mcpServers: {
        alpha: {
          type: 'http',
          url: 'http://127.0.0.1:8080/alpha/mcp',
          headers: { Authorization: `Bearer $\{FLEETPLANE_TOKEN}` },
        },
      },
    });
  });
});
