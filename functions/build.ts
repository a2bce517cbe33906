/**
 * Bundles each DigitalOcean Function with esbuild: a directory
 * dist/digitalocean/packages/fleetplane/<name>/ with `index.js` (CommonJS, `exports.main`) and,
 * beside it, the heavy adapters it may load (the S3 store, the Kubernetes cluster) as separate
 * files; and dist/digitalocean/project.yml, the project to deploy (src/wiring/do-project.ts).
 * `doctl serverless deploy dist/digitalocean --env .env` zips each directory as one function;
 * the folder is generated, not committed.
 *
 * WHY the split: CommonJS bundles cannot be code-split, and a 3 MB file costs ~85 ms to load
 * even when the SDKs in it are reached only through import(). With the adapters in files of
 * their own, a function loads only its small entry at cold start, and an SDK only on the
 * first request that needs it (templates never does).
 *
 * WHY errors.js: the error classes are one shared chunk that the entry and every lazy chunk
 * require, so a process holds one copy of each class and `instanceof` works across chunks.
 *
 * WHY build-context.js: the functions that reconcile (deploy, deployments, sweep, gc) carry
 * the agent image's build context, to upload it when a build is due. Its tag is packed into
 * the providers chunk; its bytes (about 0.4 MB of base64) are a chunk loaded only to upload.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';
import { runtimeContextPlugin } from './src/builds/build-plugin.ts';
import { consoleAssetsPlugin } from './src/console/build-plugin.ts';
import { deployableProject, SWEEP_TRIGGER_SETTING } from './src/wiring/do-project.ts';
import { deploySettings } from './src/wiring/dotenv.ts';
import { FUNCTIONS, type FunctionName } from './src/wiring/function-env.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'functions', 'src');

export { FUNCTIONS, type FunctionName };
/** The project doctl deploys: project.yml and packages/ (see do-project.ts). */
export const PROJECT_DIR = join(root, 'dist', 'digitalocean');
export const PACKAGE_DIR = join(PROJECT_DIR, 'packages', 'fleetplane');

/** Modules loaded lazily through import(), each bundled into a file of its own. */
const LAZY: Record<string, string> = {
  providers: join(src, 'wiring', 'providers.ts'),
  openapi: join(src, 'api', 'openapi.ts'),
  's3-blobs': join(src, 'store', 's3-blobs.ts'),
  'kube-cluster': join(src, 'cluster', 'kube-cluster.ts'),
  'build-context': join(src, 'builds', 'prebuilt-context-data.ts'),
};
/** Modules every chunk shares by a static require of one file. */
const SHARED: Record<string, string> = {
  errors: join(src, 'core', 'errors.ts'),
};
const CHUNKS = { ...LAZY, ...SHARED };
const chunkOf = (path: string) => Object.keys(CHUNKS).find((name) => CHUNKS[name] === path);

export const functionDir = (name: FunctionName) => join(PACKAGE_DIR, name);

/**
 * Keeps `import('../store/s3-blobs.ts')` as a runtime import of the sibling chunk
 * `./s3-blobs.js`, and every import of a shared module as a require of its chunk. `self` is
 * the chunk being built, which bundles its own module.
 */
const chunkPlugin = (self?: string): Plugin => ({
  name: 'chunks',
  setup(builder) {
    builder.onResolve({ filter: /\.ts$/ }, (args) => {
      const chunk = chunkOf(resolve(args.resolveDir, args.path));
      if (!chunk || chunk === self) return undefined;
      if (args.kind !== 'dynamic-import' && !(chunk in SHARED)) return undefined;
      return { path: `./${chunk}.js`, external: true };
    });
  },
});

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

export interface BuildOptions {
  /** Where the function folders go (default dist/digitalocean/packages/fleetplane; a test builds into a scratch dir). */
  dir?: string;
  /** Only these functions (default: every one). */
  only?: readonly FunctionName[];
}

export async function buildFunctions(
  options: BuildOptions = {},
): Promise<{ name: FunctionName; dir: string; entryBytes: number; totalBytes: number; inputs: string[] }[]> {
  const packageDir = options.dir ?? PACKAGE_DIR;
  await rm(packageDir, { recursive: true, force: true });
  const chunkDir = join(packageDir, '.chunks');
  const chunkDeps = new Map<string, string[]>();
  await Promise.all(
    Object.entries(CHUNKS).map(async ([name, entry]) => {
      const result = await build({
        ...common,
        entryPoints: [entry],
        outfile: join(chunkDir, `${name}.js`),
        plugins: [chunkPlugin(name), runtimeContextPlugin],
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
  const built = await Promise.all(
    (options.only ?? FUNCTIONS).map(async (name) => {
      const dir = join(packageDir, name);
      await mkdir(dir, { recursive: true });
      const result = await build({
        ...common,
        entryPoints: [join(src, 'entries', `${name}.ts`)],
        outfile: join(dir, 'index.js'),
        plugins: [chunkPlugin(), consoleAssetsPlugin, runtimeContextPlugin],
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
      return { name, dir, entryBytes, totalBytes, inputs: Object.keys(result.metafile.inputs) };
    }),
  );
  await rm(chunkDir, { recursive: true, force: true });
  return built;
}

/** Writes PROJECT_DIR/project.yml from project.yml and the settings doctl will template it with. */
export async function writeDeployableProject(env: NodeJS.ProcessEnv = process.env) {
  const settings = deploySettings(env, join(root, '.env'));
  const project = deployableProject(await readFile(join(root, 'project.yml'), 'utf8'), settings.env);
  await mkdir(PROJECT_DIR, { recursive: true });
  await writeFile(join(PROJECT_DIR, 'project.yml'), project.text);
  return { ...project, envFile: settings.file };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { name, entryBytes, totalBytes } of await buildFunctions())
    console.log(
      `${name.padEnd(12)} entry ${(entryBytes / 1024).toFixed(0).padStart(5)} KiB, with lazy chunks ${(totalBytes / 1024).toFixed(0).padStart(5)} KiB`,
    );
  const project = await writeDeployableProject();
  console.log(
    `\nwrote dist/digitalocean/project.yml from project.yml and ${project.envFile ? '.env and ' : ''}the environment`,
  );
  if (project.leftOut.length)
    console.log(`left out (unset, so their defaults apply): ${project.leftOut.join(', ')}`);
  console.log(
    project.trigger
      ? `the sweep runs every minute from a scheduled trigger (a private preview; ${SWEEP_TRIGGER_SETTING}=off leaves it out)`
      : `no scheduled trigger (${SWEEP_TRIGGER_SETTING}=off): run the sweep with doctl serverless functions invoke fleetplane/sweep`,
  );
  console.log('deploy: doctl serverless deploy dist/digitalocean --env .env');
}
