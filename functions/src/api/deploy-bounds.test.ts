/**
 * A config's free-form `integrations` is bounded at validation: deeply nested or very wide
 * values are a 422 naming the field and the rule, before any recursive walk (hashing, storing)
 * could overflow the stack and answer 500. Nothing is stored.
 */
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../../../test/support/scratch.ts';
import { createFullApp } from '../full-app.ts';
import { silentLogger } from '../lib/logger.ts';
import { providersFromEnv } from '../wiring/providers.ts';

async function localApp() {
  const dir = await scratchDir('fp-bounds-');
  const env = { FLEETPLANE_STORE: `file://${dir}` };
  const providers = providersFromEnv(env, {
    localTarget: async () => {
      throw new Error('no agent is run by this test');
    },
  });
  return { dir, app: createFullApp({ env, providers, log: silentLogger, openWhenUnconfigured: true }) };
}

/** `{"name":"deep","integrations":{"x":{"a":{"a":...1...}}}}`, written as text: too deep to stringify. */
const nested = (depth: number) =>
  `{"name":"deep","integrations":{"x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}`;

describe('POST /deploy with a huge integrations value', () => {
  it.each([4_000, 20_000])(
    'answers 422 for %i levels of nesting (a 500 before the cap), storing nothing',
    async (depth) => {
      const { dir, app } = await localApp();
      const response = await app.request('/deploy', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: nested(depth),
      });
      expect(response.status).toBe(422);
      expect((await response.json()).errors).toEqual([
        {
          path: 'integrations',
          rule: 'max',
          message: 'must nest objects and arrays at most 16 levels deep (got more than 16)',
        },
      ]);
      expect(await readdir(dir)).toEqual([]);
    },
  );

  it('answers 422 for more than 1000 keys, and accepts what fits', async () => {
    const { app } = await localApp();
    const wide = Object.fromEntries(Array.from({ length: 1_001 }, (_, index) => [`k${index}`, index]));
    const post = (integrations: unknown) =>
      app.request('/deploy', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'wide', integrations }),
      });
    const refused = await post(wide);
    expect(refused.status).toBe(422);
    expect((await refused.json()).errors[0]).toMatchObject({
      path: 'integrations',
      rule: 'max',
      message: 'must hold at most 1000 keys and array items in all (got more than 1000)',
    });
    expect((await post({ list: Array.from({ length: 1_000 }, () => 0) })).status).toBe(422);
  });
});
