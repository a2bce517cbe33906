/**
 * The agent's own routes: GET / (who am I, what can I do: every route, the MCP and A2A ones
 * included, a custom endpoint with its slots, the inputs it requires), GET /health (liveness: the
 * process answers), GET /ready (readiness: config loaded and not draining) and GET /metrics
 * (Prometheus text).
 *
 * Health and readiness must stay cheap and never call the model: a provider outage must not
 * make Kubernetes restart or unroute every agent.
 */
import type { Hono } from 'hono';
import type { AgentRuntime } from '../agent-runtime.ts';
import type { AgentEnv } from '../http/agent-env.ts';
import { unavailable } from '../http/problem.ts';
import { skillsOf } from './agent-skills.ts';

export function registerAbout(app: Hono<AgentEnv>, rt: AgentRuntime): void {
  const { config } = rt;
  const endpoints = listEndpoints(rt);

  app.get('/', (c) =>
    c.json({
      name: config.name,
      template: config.template,
      model: `${config.model.provider} ${config.model.id}`,
      endpoints,
      version: rt.version,
      ...(rt.tools ? { tools: rt.tools.describe() } : {}),
    }),
  );
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/ready', (c) => {
    if (rt.lifecycle.draining) throw unavailable('agent is shutting down', 1);
    return c.json({ status: 'ready', name: config.name });
  });
  app.get('/metrics', (c) =>
    c.body(rt.metrics.render(), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }),
  );
}

function listEndpoints(rt: AgentRuntime) {
  const base = rt.config.basePath;
  const out: { method: string; path: string; description: string; slots?: string[] }[] = [];
  if (rt.config.endpoints.includes('generate')) {
    out.push({ method: 'POST', path: `${base}/generate`, description: 'Generate text from a prompt' });
  }
  // A custom endpoint's slots are its inputs: JSON fields of a POST, query parameters of a GET.
  for (const e of rt.config.customEndpoints) {
    out.push({ method: e.method, path: `${base}/${e.path}`, description: e.description, slots: e.slots });
  }
  if (rt.config.endpoints.includes('chat')) {
    out.push(
      {
        method: 'POST',
        path: `${base}/v1/chat/completions`,
        description: 'OpenAI-compatible chat completions',
      },
      { method: 'GET', path: `${base}/v1/models`, description: 'OpenAI-compatible model list' },
    );
  }
  const tools = skillsOf(rt).map((skill) => skill.name);
  out.push(
    {
      method: 'POST',
      path: `${base}/mcp`,
      description: `MCP server (Streamable HTTP, stateless); tools: ${tools.join(', ') || 'none'}`,
    },
    { method: 'GET', path: `${base}/.well-known/agent-card.json`, description: 'A2A agent card' },
    {
      method: 'POST',
      path: `${base}/a2a`,
      description: 'A2A JSON-RPC: SendMessage, SendStreamingMessage (A2A 0.3: message/send, message/stream)',
    },
  );
  return out;
}
