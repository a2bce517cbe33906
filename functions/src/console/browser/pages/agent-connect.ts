/**
 * The agent page's "Use it from other tools": every agent is an MCP server at `<url>mcp` and an
 * A2A agent whose card is at `<url>.well-known/agent-card.json`. Shows both addresses and an MCP
 * client config to copy (the `.mcp.json` shape Claude Code reads, which other clients take too).
 *
 * Built from the URL the API reports, the stored config (does the agent require a key?) and
 * who serves it: an agent without keys of its own that the local server serves behind its token
 * answers only with that token (FLEETPLANE_TOKEN, as the CLI reads it). The console never holds
 * a key in the snippet: it names an environment variable instead.
 */
import { servedHere } from '../agent-client.ts';
import type { Api } from '../api.ts';
import { codeFact, h } from '../dom.ts';

/** The environment variable the snippet reads the key from: `my-agent` -> `MY_AGENT_API_KEY`. */
export const keyVariable = (name: string) => `${name.toUpperCase().replaceAll('-', '_')}_API_KEY`;

/** The variable holding the local server's token, as the CLI reads it. */
export const SERVER_TOKEN_VARIABLE = 'FLEETPLANE_TOKEN';

/** What a client must send: the agent's own key, the server's token, or nothing. */
export type AgentCredential = 'agent-key' | 'server-token' | 'none';

/** An MCP client config for the agent, as JSON text. */
export function mcpClientConfig(name: string, url: string, credential: AgentCredential): string {
  const variable = credential === 'agent-key' ? keyVariable(name) : SERVER_TOKEN_VARIABLE;
  const server = {
    type: 'http',
    url: new URL('mcp', url).href,
    ...(credential === 'none' ? {} : { headers: { Authorization: `Bearer \${${variable}}` } }),
  };
  return JSON.stringify({ mcpServers: { [name]: server } }, null, 2);
}

const credentialNote: Record<AgentCredential, (name: string) => string> = {
  'agent-key': (name) =>
    `This agent requires its API key as Authorization: Bearer <key>; the config below reads it from ${keyVariable(name)}.`,
  'server-token': () =>
    `This server answers for the agent only with its token (the agent has no API keys of its own); the config below reads it from ${SERVER_TOKEN_VARIABLE}.`,
  none: () => 'This agent requires no key.',
};

export async function connectAgent(api: Api, name: string): Promise<HTMLElement> {
  try {
    const [status, stored, who] = await Promise.all([api.get(name), api.config(name), api.whoami()]);
    const credential: AgentCredential =
      stored.spec.apiKeyHashes !== undefined
        ? 'agent-key'
        : servedHere(status.url) && who.via !== 'open'
          ? 'server-token'
          : 'none';
    const mcpUrl = new URL('mcp', status.url).href;
    const cardUrl = new URL('.well-known/agent-card.json', status.url).href;
    return h(
      'div',
      null,
      h(
        'dl',
        { class: 'facts' },
        codeFact('MCP (Streamable HTTP)', mcpUrl),
        codeFact('A2A agent card', cardUrl),
        codeFact('A2A JSON-RPC', new URL('a2a', status.url).href),
      ),
      h(
        'p',
        { class: 'muted small' },
        'Tools and skills: generate and each custom endpoint. ',
        credentialNote[credential](name),
      ),
      h(
        'pre',
        { class: 'snippet', id: 'mcp-config', tabindex: '0', 'aria-label': 'MCP client config (.mcp.json)' },
        mcpClientConfig(name, status.url, credential),
      ),
    );
  } catch (error) {
    return h('p', { class: 'muted' }, `Could not read the agent's address: ${(error as Error).message}`);
  }
}
