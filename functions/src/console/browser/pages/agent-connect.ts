/**
 * The agent page's "Use it from other tools": every agent is an MCP server at `<url>mcp` and an
 * A2A agent whose card is at `<url>.well-known/agent-card.json`. Shows both addresses and an MCP
 * client config to copy (the `.mcp.json` shape Claude Code reads, which other clients take too).
 *
 * Built from the URL the API reports and the stored config (does the agent require a key?). The
 * console never holds the agent's key: the snippet names an environment variable instead.
 */
import type { Api } from '../api.ts';
import { h } from '../dom.ts';

/** The environment variable the snippet reads the key from: `my-agent` -> `MY_AGENT_API_KEY`. */
export const keyVariable = (name: string) => `${name.toUpperCase().replaceAll('-', '_')}_API_KEY`;

/** An MCP client config for the agent, as JSON text. */
export function mcpClientConfig(name: string, url: string, requiresKey: boolean): string {
  const server = {
    type: 'http',
    url: new URL('mcp', url).href,
    ...(requiresKey ? { headers: { Authorization: `Bearer \${${keyVariable(name)}}` } } : {}),
  };
  return JSON.stringify({ mcpServers: { [name]: server } }, null, 2);
}

export async function connectAgent(api: Api, name: string): Promise<HTMLElement> {
  try {
    const [status, stored] = await Promise.all([api.get(name), api.config(name)]);
    const requiresKey = stored.spec.apiKeyHashes !== undefined;
    const mcpUrl = new URL('mcp', status.url).href;
    const cardUrl = new URL('.well-known/agent-card.json', status.url).href;
    const row = (term: string, value: string) => [h('dt', null, term), h('dd', null, h('code', null, value))];
    return h(
      'div',
      null,
      h(
        'dl',
        { class: 'facts' },
        row('MCP (Streamable HTTP)', mcpUrl),
        row('A2A agent card', cardUrl),
        row('A2A JSON-RPC', new URL('a2a', status.url).href),
      ),
      h(
        'p',
        { class: 'muted small' },
        'Tools and skills: generate and each custom endpoint. ',
        requiresKey
          ? `This agent requires its API key as Authorization: Bearer <key>; the config below reads it from ${keyVariable(name)}.`
          : 'This agent requires no key.',
      ),
      h(
        'pre',
        { class: 'snippet', id: 'mcp-config', tabindex: '0', 'aria-label': 'MCP client config (.mcp.json)' },
        mcpClientConfig(name, status.url, requiresKey),
      ),
    );
  } catch (error) {
    return h('p', { class: 'muted' }, `Could not read the agent's address: ${(error as Error).message}`);
  }
}
