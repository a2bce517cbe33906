/**
 * Distinct build contexts for tests: the real agent runtime bundle with a marker comment
 * appended, so each test gets a runtime of its own (a different tag, as a new release of the
 * runtime would have) and never finds an image another test built. Bundled once per process.
 */
import { readFile } from 'node:fs/promises';
import { bundleRuntime } from '../../agent-runtime/build.ts';
import { type Bundles, contextFrom, DOCKERFILE_PATH } from '../../build-jobs/build-context.ts';
import type { RuntimeContext, RuntimeContextSource } from '../../functions/src/builds/runtime-context.ts';

let inputs: Promise<{ bundles: Bundles; dockerfile: string }> | undefined;

/** A runtime whose context differs from every other marker's, and its source for providersFromEnv. */
export async function testRuntime(
  marker: string,
): Promise<RuntimeContext & { source: RuntimeContextSource }> {
  inputs ??= (async () => ({
    bundles: await bundleRuntime().then(({ code, pool }) => ({ runtime: code, pool: pool.code })),
    dockerfile: await readFile(DOCKERFILE_PATH, 'utf8'),
  }))();
  const { bundles, dockerfile } = await inputs;
  const built = contextFrom(
    { ...bundles, runtime: `${bundles.runtime}\n// fleetplane test runtime ${marker}\n` },
    dockerfile,
  );
  const context: RuntimeContext = { tag: built.tag, tarGz: async () => built.tarGz };
  return { ...context, source: async () => context };
}
