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
import { type AnswerRequest, answer, defaultMaxTokens } from './answer.ts';
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

/** What an endpoint reads: every slot a non-empty string (POST bodies may add `stream`). */
export const endpointInput = sharedBy(
  (slots: readonly string[], withStream: boolean) => `${withStream} ${slots.join(',')}`,
  (slots: readonly string[], withStream: boolean) => {
    const fields = Object.fromEntries(
      slots.map((s) => [s, z.string().min(1).describe(`Fills {{${s}}} in the endpoint's prompt`)]),
    );
    return withStream
      ? z.strictObject({ ...fields, stream: z.boolean().optional() })
      : z.strictObject(fields);
  },
);

/** Valid slot values as a question to the agent; 422 when they are over the prompt limit. */
export function endpointRequest(
  rt: AgentRuntime,
  endpoint: RuntimeCustomEndpoint,
  values: Record<string, string>,
): AnswerRequest {
  const filled = endpoint.slots.reduce((n, s) => n + (values[s]?.length ?? 0), 0);
  checkPromptSize(endpoint.slots[0] ?? 'prompt', filled, rt.config.limits.maxPromptChars);
  return {
    messages: [{ role: 'user', content: fillPrompt(endpoint.prompt, values) }],
    temperature: endpoint.temperature ?? rt.config.temperature,
    maxTokens: endpoint.maxTokens ?? defaultMaxTokens(rt),
  };
}

function register(app: Hono<AgentEnv>, rt: AgentRuntime, endpoint: RuntimeCustomEndpoint): void {
  const schema = endpointInput(endpoint.slots, endpoint.method === 'POST');
  app.on(endpoint.method, `/${endpoint.path}`, async (c) => {
    const input =
      endpoint.method === 'POST'
        ? await readJson(c, rt.config.limits.maxBodyBytes)
        : (c.req.query() as unknown);
    const values = validate(schema, input) as Record<string, string> & { stream?: boolean };
    return answer(c, rt, endpointRequest(rt, endpoint, values), values.stream === true);
  });
}
