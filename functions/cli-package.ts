/**
 * `npm run pack:cli`: the `fleetplane` command as a package of its own, installable anywhere
 * Node 22+ runs (`npm install -g ./fleetplane-cli-<version>.tgz`), with no dependencies: the
 * command and its libraries bundled by esbuild into dist/cli-package/, each verb a lazily
 * loaded chunk (so `--help` stays fast), then `npm pack`ed.
 *
 * WHY a bundle: Node strips TypeScript types only outside node_modules, so the checkout's
 * `functions/bin/fleetplane.ts` cannot run from an installed package. In a checkout,
 * `npx fleetplane` keeps running the source.
 *
 * `image-context` bundles the agent runtime from source, which only a checkout has: in the
 * package it says so instead.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_PACKAGE_DIR = join(root, 'dist', 'cli-package');

const checkoutOnly: Plugin = {
  name: 'checkout-only',
  setup(builder) {
    builder.onResolve({ filter: /build-jobs\/build-context\.ts$/ }, () => ({
      path: 'build-context',
      namespace: 'checkout-only',
    }));
    builder.onLoad({ filter: /.*/, namespace: 'checkout-only' }, () => ({
      contents: `export async function buildContext() {
  throw new Error('image-context bundles the agent runtime from source: run it in a checkout of fleetplane (npx fleetplane image-context)');
}`,
      loader: 'js',
    }));
  },
};

export async function packCli(): Promise<{ dir: string; tarball: string; bytes: number }> {
  await rm(CLI_PACKAGE_DIR, { recursive: true, force: true });
  await mkdir(CLI_PACKAGE_DIR, { recursive: true });
  const result = await build({
    entryPoints: { fleetplane: join(root, 'functions', 'bin', 'fleetplane.ts') },
    outdir: CLI_PACKAGE_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    plugins: [checkoutOnly],
    // Some bundled CommonJS libraries call require() for Node's built-ins.
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
  });
  const { version, license } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
    version: string;
    license: string;
  };
  const entry = join(CLI_PACKAGE_DIR, 'fleetplane.mjs');
  const code = await readFile(entry, 'utf8');
  await writeFile(entry, code.startsWith('#!') ? code : `#!/usr/bin/env node\n${code}`);
  await writeFile(
    join(CLI_PACKAGE_DIR, 'package.json'),
    `${JSON.stringify(
      {
        name: 'fleetplane-cli',
        version,
        description: 'The fleetplane command: deploy GenAI agents to Kubernetes and watch them come up.',
        license,
        type: 'module',
        bin: { fleetplane: 'fleetplane.mjs' },
        engines: { node: '>=22' },
      },
      null,
      2,
    )}\n`,
  );
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', join(root, 'dist')], {
    cwd: CLI_PACKAGE_DIR,
    encoding: 'utf8',
  }).trim();
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  return { dir: CLI_PACKAGE_DIR, tarball: join(root, 'dist', tarball), bytes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { tarball, bytes } = await packCli();
  console.log(`wrote ${tarball} (${(bytes / 1024).toFixed(0)} KiB of bundled code)`);
  console.log(`install it with: npm install -g ${tarball}`);
}
