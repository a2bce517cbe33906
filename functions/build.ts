/**
 * Bundles each DigitalOcean Function with esbuild: a directory packages/fleetplane/<name>/
 * with `index.js` (CommonJS, `exports.main`) and, beside it, the heavy adapters it may load
 * (the S3 store, the Kubernetes cluster) as separate files. `doctl serverless deploy .`
 * zips each directory as one function; the folder is generated, not committed.
 *
 * WHY the split: CommonJS bundles cannot be code-split, and a 3 MB file costs ~85 ms to load
 * even when the SDKs in it are reached only through import(). With the adapters in files of
 * their own, a function loads only its small entry at cold start, and an SDK only on the
 * first request that needs it (templates never does).
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';
import { consoleAssetsPlugin } from './src/console/build-plugin.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'functions', 'src');
export const FUNCTIONS = ['deploy', 'deployments', 'templates', 'health', 'sweep', 'console'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];
export const PACKAGE_DIR = join(root, 'packages', 'fleetplane');

/** Modules loaded lazily through import(), each bundled into a file of its own. */
const LAZY: Record<string, string> = {
  environment: join(src, 'environment.ts'),
  openapi: join(src, 'api', 'openapi.ts'),
  's3-store': join(src, 'store', 's3-store.ts'),
  'kube-cluster': join(src, 'cluster', 'kube-cluster.ts'),
};
const chunkOf = (path: string) => Object.keys(LAZY).find((name) => path.endsWith(`/${name}.ts`));

export const functionDir = (name: FunctionName) => join(PACKAGE_DIR, name);

/** Keeps `import('./store/s3-store.ts')` as a runtime import of the sibling chunk `./s3-store.js`. */
const lazyChunks: Plugin = {
  name: 'lazy-chunks',
  setup(builder) {
    builder.onResolve({ filter: /\.ts$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const chunk = chunkOf(args.path);
      return chunk ? { path: `./${chunk}.js`, external: true } : undefined;
    });
  },
};

/** The sibling chunks an output imports at run time. */
const chunkImports = (metafile: Metafile) =>
  Object.values(metafile.outputs).flatMap((output) =>
    output.imports.flatMap((i) => (i.external && i.path.startsWith('./') ? [i.path.slice(2, -3)] : [])),
  );

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
} as const;

export async function buildFunctions(): Promise<
  { name: FunctionName; dir: string; entryBytes: number; totalBytes: number }[]
> {
  await rm(PACKAGE_DIR, { recursive: true, force: true });
  const chunkDir = join(root, '.cache', 'function-chunks');
  const chunkDeps = new Map<string, string[]>();
  await Promise.all(
    Object.entries(LAZY).map(async ([name, entry]) => {
      const result = await build({
        ...common,
        entryPoints: [entry],
        outfile: join(chunkDir, `${name}.js`),
        plugins: [lazyChunks],
        metafile: true,
      });
      chunkDeps.set(name, chunkImports(result.metafile));
    }),
  );
  const closure = (names: string[]): string[] => {
    const seen = new Set<string>();
    const visit = (name: string) => {
      if (seen.has(name)) return;
      seen.add(name);
      for (const dep of chunkDeps.get(name) ?? []) visit(dep);
    };
    names.forEach(visit);
    return [...seen].sort();
  };
  return Promise.all(
    FUNCTIONS.map(async (name) => {
      const dir = functionDir(name);
      await mkdir(dir, { recursive: true });
      const result = await build({
        ...common,
        entryPoints: [join(src, 'entries', `${name}.ts`)],
        outfile: join(dir, 'index.js'),
        plugins: [lazyChunks, consoleAssetsPlugin],
        metafile: true,
      });
      const needed = closure(chunkImports(result.metafile));
      for (const chunk of needed)
        await writeFile(join(dir, `${chunk}.js`), await readFile(join(chunkDir, `${chunk}.js`)));
      await writeFile(
        join(dir, 'package.json'),
        `${JSON.stringify({ name: `fleetplane-${name}`, private: true, main: 'index.js' }, null, 2)}\n`,
      );
      const entryBytes = (await stat(join(dir, 'index.js'))).size;
      let totalBytes = entryBytes;
      for (const chunk of needed) totalBytes += (await stat(join(dir, `${chunk}.js`))).size;
      return { name, dir, entryBytes, totalBytes };
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { name, entryBytes, totalBytes } of await buildFunctions())
    console.log(
      `${name.padEnd(12)} entry ${(entryBytes / 1024).toFixed(0).padStart(5)} KiB, with lazy chunks ${(totalBytes / 1024).toFixed(0).padStart(5)} KiB`,
    );
}
