import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldError } from './read-json.ts';

const issues = (schema: z.ZodType, value: unknown) =>
  schema.safeParse(value, { reportInput: true }).error?.issues.map((i) => fieldError(i).message);

describe('fieldError', () => {
  const schema = z.strictObject({
    prompt: z.string().min(1).max(10),
    n: z.number().int().max(3),
    mode: z.enum(['a', 'b']),
    list: z.array(z.string()).min(1),
  });

  it('states the field, the value and the rule', () => {
    expect(issues(schema, { prompt: '', n: 9, mode: 'c', list: [], extra: 1 })).toEqual([
      'prompt ("") must be at least 1 character',
      'n (9) must be at most 3',
      'mode ("c") must be one of "a", "b"',
      'list (array of 0) must have at least 1 item',
      '(body) (object) has unknown field extra',
    ]);
  });

  it('shows long strings by length only, and names missing fields', () => {
    expect(issues(schema, { prompt: 'x'.repeat(500), n: 1, mode: 'a', list: ['x'] })).toEqual([
      'prompt (500 characters) must be at most 10 characters',
    ]);
    expect(issues(schema, { n: '1', mode: 'a', list: ['x'] })).toEqual([
      'prompt (missing) is required',
      'n ("1") must be number',
    ]);
  });
});
