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
import { answer, defaultMaxTokens } from './answer.ts';
import { checkPromptSize } from './prompt-size.ts';

const generateBody = sharedBy(String, (maxTokensCap: number) =>
  z.strictObject({
    prompt: z.string().min(1),
    messages: z
      .array(z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }))
      .max(500)
      .optional(),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.number().int().positive().max(maxTokensCap).optional(),
    stream: z.boolean().optional(),
  }),
);

export function registerGenerate(app: Hono<AgentEnv>, rt: AgentRuntime): void {
  const { limits } = rt.config;
  const schema = generateBody(limits.maxTokensCap);
  app.post('/generate', async (c) => {
    const body = validate(schema, await readJson(c, limits.maxBodyBytes));
    const history = body.messages ?? [];
    checkPromptSize(
      'prompt',
      body.prompt.length + history.reduce((n, m) => n + m.content.length, 0),
      limits.maxPromptChars,
    );
    return answer(c, rt, [...history, { role: 'user', content: body.prompt }], {
      temperature: body.temperature ?? rt.config.temperature,
      maxTokens: body.max_tokens ?? defaultMaxTokens(rt),
      stream: body.stream ?? false,
    });
  });
}
