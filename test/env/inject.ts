/**
 * How tests get the environment the global setup started: `testEnv()` in any integration test.
 * Must never start anything itself; the global setup owns the environment's lifetime.
 */
import { inject } from 'vitest';
import type { TestEnv } from './types.ts';

export type { TestEnv } from './types.ts';

declare module 'vitest' {
  interface ProvidedContext {
    testenv: TestEnv;
  }
}

export function testEnv(): TestEnv {
  const env = inject('testenv');
  if (!env)
    throw new Error('no test environment: run integration tests through vitest (project "integration")');
  return env;
}
