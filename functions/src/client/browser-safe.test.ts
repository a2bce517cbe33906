/**
 * The web console bundles this library for the browser: it must build for `platform:
 * 'browser'` with no Node built-in reachable from it, and stay small.
 */
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('the client library in a browser', () => {
  it('bundles for the browser with no Node built-in, ky included', async () => {
    const result = await build({
      entryPoints: [new URL('./index.ts', import.meta.url).pathname],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((path) => path.startsWith('node:') || !/\.(ts|js|mjs)$/.test(path))).toEqual([]);
    // Type-only imports of the server's schemas must not pull zod or the core into the bundle.
    expect(inputs.filter((path) => /zod|functions\/src\/(api|core)\//.test(path))).toEqual([]);
    const bytes = result.outputFiles[0]?.contents.byteLength ?? 0;
    console.log(`client library bundle (minified, ky included): ${bytes} bytes`);
    expect(bytes).toBeLessThan(40_000);
  });
});
