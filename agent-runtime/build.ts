/**
 * Bundles the agent runtime's Node entry into one ES module file with every dependency
 * inlined, so an image (or the local target) runs it with `node agent-runtime.mjs` and no
 * node_modules.
 *
 * The output must be byte-for-byte reproducible: the image tag is a hash of it. So no
 * timestamps, no absolute paths, no sourcemap with machine paths.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
export const BUNDLE_PATH = join(here, 'dist', 'agent-runtime.mjs');

export async function bundleRuntime(): Promise<{ code: string; path: string }> {
  const result = await build({
    entryPoints: [join(here, 'src', 'node', 'main.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    write: false,
    minify: false,
    legalComments: 'none',
    absWorkingDir: here,
    logLevel: 'silent',
    // CommonJS dependencies inlined into an ES module still call require() for builtins.
    banner: {
      js: "import { createRequire as __fpRequire } from 'node:module';\nconst require = __fpRequire(import.meta.url);",
    },
  });
  const code = result.outputFiles[0]?.text ?? '';
  if (code === '') throw new Error('esbuild produced no output for the agent runtime');
  await mkdir(dirname(BUNDLE_PATH), { recursive: true });
  // Write then rename: a concurrent reader (a spawned agent, a parallel test) never sees half a file.
  const partial = `${BUNDLE_PATH}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(partial, code);
  await rename(partial, BUNDLE_PATH);
  return { code, path: BUNDLE_PATH };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { code, path } = await bundleRuntime();
  console.log(JSON.stringify({ msg: 'bundled agent runtime', path, bytes: Buffer.byteLength(code) }));
}
