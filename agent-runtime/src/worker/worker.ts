/**
 * workerd (Cloudflare Workers / Miniflare) entry: the same agent app, configured from
 * bindings instead of a mounted file. AGENT_CONFIG is the runtime config as JSON text or
 * object; OPENAI_BASE_URL, OPENAI_API_KEY and FLEETPLANE_AGENT_API_KEY_HASHES as on Node.
 *
 * Proves the core is web-standard. Never import node:* here or from anything below app.ts.
 */
import type { Hono } from 'hono';
import { createAgentApp } from '../app.ts';
import { runtimeConfigSchema, TOOL_SECRET_ENV_PREFIX } from '../contract.ts';
import type { AgentEnv } from '../http/agent-env.ts';
import { parseKeyHashes } from '../http/api-key.ts';
import { createOpenAiModel } from '../llm/openai-model.ts';

export interface WorkerBindings {
  AGENT_CONFIG: string | object;
  OPENAI_BASE_URL?: string;
  OPENAI_API_KEY?: string;
  FLEETPLANE_AGENT_API_KEY_HASHES?: string;
}

let app: Hono<AgentEnv> | undefined;

function build(env: WorkerBindings): Hono<AgentEnv> {
  const raw = typeof env.AGENT_CONFIG === 'string' ? JSON.parse(env.AGENT_CONFIG) : env.AGENT_CONFIG;
  const config = runtimeConfigSchema.parse(raw);
  return createAgentApp(config, {
    model: createOpenAiModel({ apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL }),
    apiKeyHashes: parseKeyHashes(env.FLEETPLANE_AGENT_API_KEY_HASHES),
    clientAddress: (c) => c.req.header('cf-connecting-ip'),
    toolSecrets: (name) => {
      const value = (env as unknown as Record<string, unknown>)[name];
      return name.startsWith(TOOL_SECRET_ENV_PREFIX) && typeof value === 'string' ? value : undefined;
    },
  });
}

export default {
  fetch(request: Request, env: WorkerBindings): Response | Promise<Response> {
    // One app per isolate: bindings do not change within it.
    app ??= build(env);
    return app.fetch(request, env);
  },
};
