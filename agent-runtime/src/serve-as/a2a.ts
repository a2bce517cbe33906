/**
 * Every agent is an A2A agent (a2a-server.ts): its card at `<basePath>/.well-known/agent-card.json`
 * and its JSON-RPC endpoint at `<basePath>/a2a`. Mounted here without the A2A SDK, which is
 * loaded on the first request, so an agent that is never asked over A2A does not pay for it at
 * start.
 */
import type { Hono } from 'hono';
import type { AgentRuntime } from '../agent-runtime.ts';
import type { AgentEnv } from '../http/agent-env.ts';
import { skillsOf } from '../routes/agent-skills.ts';
import { loadOnce } from './load-once.ts';

export function registerA2a(app: Hono<AgentEnv>, rt: AgentRuntime): void {
  // The skills too are built on first use: a pool builds a thousand agents' apps.
  const server = loadOnce(async () => (await import('./a2a-server.ts')).a2aServer(rt, skillsOf(rt)));
  app.get('/.well-known/agent-card.json', async (c) => (await server()).card(c));
  app.post('/a2a', async (c) => (await server()).jsonRpc(c));
}
