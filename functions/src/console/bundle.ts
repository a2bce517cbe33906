/**
 * Bundles the console's browser code with esbuild: `app.js` (every page), `validator.js` (the
 * API's own config validator, loaded by the deploy page only), `app.css`. Run once per local
 * server start (on the first request to /console) and at `npm run build` for the function.
 *
 * Build-time only: it imports esbuild, so nothing a function runs may import this module.
 * The output must not depend on the machine (no absolute paths, no source maps).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import type { ConsoleAsset, ConsoleAssets } from './assets.ts';
import { ICON_SVG } from './icon.ts';

const browserDir = join(dirname(fileURLToPath(import.meta.url)), 'browser');

/**
 * WHY: `import { z } from 'zod'` hands the bundler one object holding all of zod (every
 * locale, JSON Schema import and export), 460 KB minified. The namespace form is the same
 * module, but esbuild can keep only the members used: 113 KB. This rewrites the import line,
 * nothing else, in the validator's modules.
 */
const zodNamespace: Plugin = {
  name: 'zod-namespace',
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes("{ z } from 'zod'")) return undefined;
      return {
        contents: source
          .replace("import { z } from 'zod';", "import * as z from 'zod';")
          .replace("import type { z } from 'zod';", "import type * as z from 'zod';"),
        loader: 'ts',
      };
    });
  },
};

const common: BuildOptions = {
  bundle: true,
  write: false,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome115', 'firefox115', 'safari16'],
  legalComments: 'none',
  logLevel: 'silent',
  absWorkingDir: browserDir,
};

const asset = (body: string, contentType: string): ConsoleAsset => ({
  body,
  contentType,
  hash: createHash('sha256').update(body).digest('hex').slice(0, 16),
});

async function bundle(entry: string, options: BuildOptions = {}): Promise<string> {
  const result = await build({ ...common, ...options, entryPoints: [join(browserDir, entry)] });
  const text = result.outputFiles?.[0]?.text;
  if (!text) throw new Error(`esbuild produced no output for the console's ${entry}`);
  return text;
}

export async function bundleConsole(): Promise<ConsoleAssets> {
  const [app, validator, css] = await Promise.all([
    bundle('main.ts'),
    bundle('validator.ts', { plugins: [zodNamespace] }),
    bundle('console.css', { loader: { '.css': 'css' } }),
  ]);
  return {
    'app.js': asset(app, 'text/javascript; charset=utf-8'),
    'validator.js': asset(validator, 'text/javascript; charset=utf-8'),
    'app.css': asset(css, 'text/css; charset=utf-8'),
    'icon.svg': asset(ICON_SVG, 'image/svg+xml'),
  };
}
