/**
 * The console's assets as `npm run build` bundled them into the function. In the source this
 * module holds nothing; the build's esbuild plugin (build-plugin.ts) replaces its contents
 * with the bundled assets, so the function never needs esbuild at run time.
 */
import type { ConsoleAssets } from './assets.ts';

export const PREBUILT_ASSETS: ConsoleAssets | undefined = undefined;
