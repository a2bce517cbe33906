/**
 * esbuild plugin for `npm run build`: fills prebuilt.ts with the console's bundled assets,
 * so the `console` function serves them from its own index.js. Build-time only.
 */
import type { Plugin } from 'esbuild';
import { bundleConsole } from './bundle.ts';

export const consoleAssetsPlugin: Plugin = {
  name: 'console-assets',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]console[\\/]prebuilt\.ts$/ }, async () => ({
      contents: `export const PREBUILT_ASSETS = ${JSON.stringify(await bundleConsole())};`,
      loader: 'js',
    }));
  },
};
