/**
 * Bundles the workerd entry (src/worker/worker.ts) into one ES module for Miniflare or
 * wrangler. Used by the workerd test; the production path is the Node bundle (build.ts).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

export async function bundleWorker(): Promise<string> {
  const result = await build({
    entryPoints: [join(here, 'src', 'worker', 'worker.ts')],
    bundle: true,
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    format: 'esm',
    target: 'es2024',
    write: false,
    logLevel: 'silent',
    absWorkingDir: here,
  });
  return result.outputFiles[0]?.text ?? '';
}
