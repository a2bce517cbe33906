/**
 * POST /generate: `{prompt, messages?, temperature?, max_tokens?, stream?}` -> `{text, usage}`
 * (or an SSE stream). `messages` is earlier conversation; `prompt` is the new user turn.
 *
 * Unknown fields are refused (422) so a typo such as `maxTokens` is not silently ignored.
 * `max_tokens` above the agent's cap (limits.maxTokensCap) is refused, not clamped: a
 * silently shortened answer would look like the model's choice.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import type { AgentRuntime } from '../agent-runtime.ts';
import type { AgentEnv } from '../http/agent-env.ts';
import { readJson, validate } from '../http/read-json.ts';
import { sharedBy } from '../http/shared-schemas.ts';
import { type AnswerRequest, answer, defaultMaxTokens } from './answer.ts';
import { checkPromptSize } from './prompt-size.ts';

/** What /generate reads: its body (the MCP `generate` tool takes the same, without `stream`). */
export const generateBody = sharedBy(String, (maxTokensCap: number) =>
  z.strictObject({
    prompt: z.string().min(1).describe('What to ask the agent: the new user turn'),
    messages: z
      .array(z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }))
      .max(500)
      .optional()
      .describe('Earlier conversation, oldest first, before the prompt'),
    temperature: z
      .number()
      .min(0)
      .max(2)
      .optional()
      .describe("Sampling temperature; the agent's own by default"),
    max_tokens: z
      .number()
      .int()
      .positive()
      .max(maxTokensCap)
      .optional()
      .describe("Most tokens to generate; the agent's own by default"),
    stream: z.boolean().optional(),
  }),
);

export type GenerateInput = Omit<z.infer<ReturnType<typeof generateBody>>, 'stream'>;

/** A valid generate input as a question to the agent; 422 when it is over the prompt limit. */
export function generateRequest(rt: AgentRuntime, input: GenerateInput): AnswerRequest {
  const history = input.messages ?? [];
  checkPromptSize(
    'prompt',
    input.prompt.length + history.reduce((n, m) => n + m.content.length, 0),
    rt.config.limits.maxPromptChars,
  );
  return {
    messages: [...history, { role: 'user', content: input.prompt }],
    temperature: input.temperature ?? rt.config.temperature,
    maxTokens: input.max_tokens ?? defaultMaxTokens(rt),
  };
}

export function registerGenerate(app: Hono<AgentEnv>, rt: AgentRuntime): void {
  const { limits } = rt.config;
  const schema = generateBody(limits.maxTokensCap);
  app.post('/generate', async (c) => {
    const body = validate(schema, await readJson(c, limits.maxBodyBytes));
    return answer(c, rt, generateRequest(rt, body), body.stream ?? false);
  });
}
