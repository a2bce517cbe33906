/**
 * Bundles the agent runtime's Node entries into one ES module file each, with every dependency
 * inlined, so an image (or the local target) runs them with plain `node` and no node_modules:
 *   agent-runtime.mjs   one dedicated agent (src/node/main.ts)
 *   agent-pool.mjs      the pool that serves every pooled agent (src/pool/node/main.ts);
 *                       it alone carries the Kubernetes client, so a dedicated agent loads none of it
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
export const POOL_BUNDLE_PATH = join(here, 'dist', 'agent-pool.mjs');

export interface Bundle {
  code: string;
  path: string;
}

async function bundle(entry: string[], path: string): Promise<Bundle> {
  const result = await build({
    entryPoints: [join(here, 'src', ...entry)],
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
  if (code === '') throw new Error(`esbuild produced no output for ${entry.join('/')}`);
  await mkdir(dirname(path), { recursive: true });
  // Write then rename: a concurrent reader (a spawned agent, a parallel test) never sees half a file.
  const partial = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(partial, code);
  await rename(partial, path);
  return { code, path };
}

/** Both entries; `code` and `path` are the dedicated agent's, `pool` the pool's. */
export async function bundleRuntime(): Promise<Bundle & { pool: Bundle }> {
  const [agent, pool] = await Promise.all([
    bundle(['node', 'main.ts'], BUNDLE_PATH),
    bundle(['pool', 'node', 'main.ts'], POOL_BUNDLE_PATH),
  ]);
  return { ...agent, pool };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { code, path, pool } = await bundleRuntime();
  console.log(
    JSON.stringify({
      msg: 'bundled agent runtime',
      path,
      bytes: Buffer.byteLength(code),
      pool: { path: pool.path, bytes: Buffer.byteLength(pool.code) },
    }),
  );
}
