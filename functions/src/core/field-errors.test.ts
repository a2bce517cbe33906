import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateAgentConfig } from './agent-spec.ts';
import { fieldErrors } from './field-errors.ts';

const errorsOf = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (parsed.success) throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
  return fieldErrors(parsed.error);
};

const configErrors = (config: unknown) => {
  const result = validateAgentConfig(config);
  if (result.ok) throw new Error(`expected ${JSON.stringify(config)} to be rejected`);
  return result.errors;
};

describe('field errors: {path, message, rule}', () => {
  it('name the rule as the agent runtime does, for each kind of zod issue', () => {
    expect(configErrors({})).toEqual([
      { path: 'name', message: 'is required (expected string)', rule: 'required' },
    ]);
    expect(configErrors({ name: 'a', temperature: 'hot' })).toEqual([
      { path: 'temperature', message: 'must be a number (got "hot")', rule: 'type' },
    ]);
    expect(configErrors({ name: 'a', scaling: { replicas: 0 } })).toEqual([
      { path: 'scaling.replicas', message: 'must be at least 1 (got 0)', rule: 'min' },
    ]);
    expect(configErrors({ name: 'a', scaling: { replicas: 101 } })).toEqual([
      { path: 'scaling.replicas', message: 'must be at most 100 (got 101)', rule: 'max' },
    ]);
    expect(configErrors({ name: 'a', endpoints: ['summon'] })).toEqual([
      { path: 'endpoints[0]', message: 'must be one of "generate", "chat" (got "summon")', rule: 'enum' },
    ]);
    expect(configErrors({ name: 'a', replicas: 3 })).toEqual([
      { path: 'replicas', message: expect.stringMatching(/^is not a known field here/), rule: 'unknown' },
    ]);
  });

  it('call the case-insensitive sets enums too, and a malformed quantity a pattern', () => {
    for (const field of ['logging', 'cloud', 'template'])
      expect(configErrors({ name: 'a', [field]: 'nonsense' })).toEqual([
        {
          path: field,
          message: expect.stringMatching(/^must be one of .*\(got "nonsense"\)$/),
          rule: 'enum',
        },
      ]);
    expect(configErrors({ name: 'a', resources: { cpu: 'lots' } })).toEqual([
      { path: 'resources.cpu', message: expect.stringMatching(/Kubernetes quantity/), rule: 'pattern' },
    ]);
  });

  it("say zod's bare bounds in our words", () => {
    const errors = errorsOf(
      z.object({ n: z.number().min(1), s: z.string().max(2), a: z.array(z.number()).min(1) }),
      {
        n: 0,
        s: 'abc',
        a: [],
      },
    );
    expect(errors).toEqual([
      { path: 'n', message: 'must be at least 1 (got number 0)', rule: 'min' },
      { path: 's', message: 'must be at most 2 characters (got 3)', rule: 'max' },
      { path: 'a', message: 'must have at least 1 items (got 0)', rule: 'min' },
    ]);
    expect(errors.map((error) => error.message).join()).not.toMatch(/Too small|Too big|expected/);
  });
});
