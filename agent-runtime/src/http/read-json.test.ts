import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runtimeConfigSchema } from '../contract.ts';
import { fieldErrors } from './read-json.ts';

const errorsOf = (schema: z.ZodType, value: unknown) =>
  schema.safeParse(value, { reportInput: true }).error?.issues.flatMap((i) => fieldErrors(i));

describe('fieldErrors', () => {
  const schema = z.strictObject({
    prompt: z.string().min(1).max(10),
    n: z.number().int().max(3),
    mode: z.enum(['a', 'b']),
    list: z.array(z.string()).min(1),
    messages: z
      .array(z.strictObject({ content: z.union([z.string(), z.array(z.string()), z.null()]) }))
      .optional(),
  });

  it('gives the dotted path, a message with the rule and the value, and a rule name', () => {
    expect(errorsOf(schema, { prompt: '', n: 9, mode: 'c', list: [], extra: 1 })).toEqual([
      { path: 'prompt', rule: 'min', message: 'must be at least 1 character (got 0 characters)' },
      { path: 'n', rule: 'max', message: 'must be at most 3 (got number 9)' },
      { path: 'mode', rule: 'enum', message: 'must be one of "a", "b" (got "c")' },
      { path: 'list', rule: 'min', message: 'must have at least 1 item (got 0)' },
      {
        path: 'extra',
        rule: 'unknown',
        message: 'is not a known field here (unknown fields are rejected, not ignored; check the spelling)',
      },
    ]);
  });

  it('indexes array paths and names the types a union accepts', () => {
    expect(
      errorsOf(schema, {
        prompt: 'x',
        n: 1.5,
        mode: 'a',
        list: ['x'],
        messages: [{ content: 'ok' }, { content: 5 }],
      }),
    ).toEqual([
      { path: 'n', rule: 'type', message: 'must be an integer (got number 1.5)' },
      {
        path: 'messages[1].content',
        rule: 'type',
        message: 'must be a string, an array or null (got number 5)',
      },
    ]);
  });

  it('shows long strings by length only, and names missing fields', () => {
    expect(errorsOf(schema, { prompt: 'x'.repeat(500), n: 1, mode: 'a', list: ['x'] })).toEqual([
      { path: 'prompt', rule: 'max', message: 'must be at most 10 characters (got 500 characters)' },
    ]);
    expect(errorsOf(schema, { n: '1', mode: 'a', list: ['x'] })).toEqual([
      { path: 'prompt', rule: 'required', message: 'is required (expected string)' },
      { path: 'n', rule: 'type', message: 'must be a number (got "1")' },
    ]);
    expect(errorsOf(schema, [])).toEqual([
      { path: '(root)', rule: 'type', message: 'must be an object (got an array of 0 items)' },
    ]);
  });
});

describe('runtime config contract', () => {
  const config = {
    apiVersion: 'fleetplane.io/v1',
    name: 'a',
    template: 'assistant',
    basePath: '/a',
    model: { provider: 'openai', id: 'gpt-4o' },
    instruction: '',
    temperature: 0.7,
    endpoints: ['generate'],
    customEndpoints: [],
    logging: 'info',
    limits: { maxBodyBytes: 1, maxPromptChars: 1, requestTimeoutMs: 1, maxRetries: 0, rateLimitPerMinute: 0 },
    requireApiKey: false,
  };

  it('fills the caps a config leaves out with safe defaults', () => {
    expect(runtimeConfigSchema.parse(config).limits).toMatchObject({
      maxTokensCap: 4096,
      maxChoices: 1,
      authFailuresPerMinute: 10,
    });
  });

  it('refuses agent defaults above the tokens cap, naming the field', () => {
    const limits = { ...config.limits, maxTokensCap: 100 };
    const endpoint = { path: 'x', method: 'POST', description: '', prompt: 'p', slots: [], maxTokens: 101 };
    expect(
      errorsOf(runtimeConfigSchema, { ...config, maxTokens: 500, customEndpoints: [endpoint], limits }),
    ).toEqual([
      { path: 'maxTokens', rule: 'max', message: 'must be at most limits.maxTokensCap (100) (got 500)' },
      {
        path: 'customEndpoints[0].maxTokens',
        rule: 'max',
        message: 'must be at most limits.maxTokensCap (100) (got 101)',
      },
    ]);
  });
});
