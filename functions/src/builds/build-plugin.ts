/**
 * esbuild plugin for `npm run build`: packs the agent image's build context into the
 * functions (its tag into prebuilt-context.ts, its bytes into prebuilt-context-data.ts, a lazy
 * chunk), and keeps the source checkout's way of making it (esbuild itself) out of them.
 * Build-time only.
 */
import type { Plugin } from 'esbuild';
import { type BuildContext, buildContext } from '../../../build-jobs/build-context.ts';

let context: Promise<BuildContext> | undefined;
/** Built once per `npm run build`, shared by every function and chunk. */
export const packedContext = () => {
  context ??= buildContext();
  return context;
};

export const runtimeContextPlugin: Plugin = {
  name: 'runtime-context',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]builds[\\/]prebuilt-context\.ts$/ }, async () => ({
      contents: `export const PREBUILT_CONTEXT_TAG = ${JSON.stringify((await packedContext()).tag)};`,
      loader: 'js',
    }));
    builder.onLoad({ filter: /[\\/]builds[\\/]prebuilt-context-data\.ts$/ }, async () => ({
      contents: `export const PREBUILT_CONTEXT_BASE64 = ${JSON.stringify(Buffer.from((await packedContext()).tarGz).toString('base64'))};`,
      loader: 'js',
    }));
    builder.onResolve({ filter: /build-jobs[\\/]build-context\.ts$/ }, (args) => ({
      path: args.path,
      namespace: 'runtime-context-stub',
    }));
    builder.onLoad({ filter: /.*/, namespace: 'runtime-context-stub' }, () => ({
      contents:
        "export const buildContext = () => { throw new Error('a function has its build context packed in; it never builds one'); };",
      loader: 'js',
    }));
  },
};
