/**
 * The agent's custom endpoints: each fills its prompt template's `{{slots}}` from the JSON
 * body (POST) or the query (GET) and answers like /generate. Every slot is a required,
 * non-empty string; POST bodies may add `stream: true`.
 *
 * Slot values are inserted as text, never interpreted: a value containing `{{other}}` stays
 * literal because filling is a single pass over the template. Callers cannot set
 * max_tokens; the endpoint's own (checked against the cap when the config is loaded) or
 * the agent's default applies.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AgentRuntime } from '../agent-runtime.ts';
import { fillPrompt, RESERVED_AGENT_PATHS, type RuntimeCustomEndpoint } from '../contract.ts';
import type { AgentEnv } from '../http/agent-env.ts';
import { readJson, validate } from '../http/read-json.ts';
import { sharedBy } from '../http/shared-schemas.ts';
import { answer, defaultMaxTokens } from './answer.ts';
import { checkPromptSize } from './prompt-size.ts';

export function registerCustomEndpoints(app: Hono<AgentEnv>, rt: AgentRuntime): void {
  for (const endpoint of rt.config.customEndpoints) {
    const first = endpoint.path.split('/')[0] ?? '';
    if ((RESERVED_AGENT_PATHS as readonly string[]).includes(first)) {
      throw new Error(`custom endpoint path "${endpoint.path}" shadows the runtime's own /${first}`);
    }
    register(app, rt, endpoint);
  }
}

const slotsBody = sharedBy(
  (method: string, slots: readonly string[]) => `${method} ${slots.join(',')}`,
  (method: string, slots: readonly string[]) => {
    const fields = Object.fromEntries(slots.map((s) => [s, z.string().min(1)]));
    return method === 'POST'
      ? z.strictObject({ ...fields, stream: z.boolean().optional() })
      : z.strictObject(fields);
  },
);

function register(app: Hono<AgentEnv>, rt: AgentRuntime, endpoint: RuntimeCustomEndpoint): void {
  const schema = slotsBody(endpoint.method, endpoint.slots);
  app.on(endpoint.method, `/${endpoint.path}`, async (c) => {
    const input =
      endpoint.method === 'POST'
        ? await readJson(c, rt.config.limits.maxBodyBytes)
        : (c.req.query() as unknown);
    const values = validate(schema, input) as Record<string, string> & { stream?: boolean };
    const filled = endpoint.slots.reduce((n, s) => n + (values[s]?.length ?? 0), 0);
    checkPromptSize(endpoint.slots[0] ?? 'prompt', filled, rt.config.limits.maxPromptChars);
    const prompt = fillPrompt(endpoint.prompt, values);
    return answer(c, rt, [{ role: 'user', content: prompt }], {
      temperature: endpoint.temperature ?? rt.config.temperature,
      maxTokens: endpoint.maxTokens ?? defaultMaxTokens(rt),
      stream: values.stream === true,
    });
  });
}
