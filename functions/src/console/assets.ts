/**
 * The console's static files as the server holds them: the page's script, style, the deploy
 * page's validator and the icon, each with a content hash. They are produced by esbuild
 * (bundle.ts), either once per local server start or at `npm run build` for the function.
 *
 * Plain data and one memoising helper; never bundles, never reads env.
 */

export interface ConsoleAsset {
  body: string;
  contentType: string;
  /** Hex SHA-256 prefix of the body: the ETag, and the `?v=` that makes a URL cacheable forever. */
  hash: string;
}

/** File names under /console/, fixed so that the API's public paths stay an exact list. */
export const ASSET_NAMES = ['app.js', 'app.css', 'validator.js', 'icon.svg'] as const;
export type AssetName = (typeof ASSET_NAMES)[number];

export type ConsoleAssets = Record<AssetName, ConsoleAsset>;

/** The paths the console serves; public (no token), as the page carries no data. */
export const CONSOLE_PUBLIC_PATHS = [
  '/console',
  '/console/',
  ...ASSET_NAMES.map((name) => `/console/${name}`),
];

/** How a route gets the assets: at once (prebuilt) or on first use (bundled then). */
export type AssetSource = () => Promise<ConsoleAssets>;

/** Loads once and keeps the result; a failed load is retried by the next request. */
export function memoise(load: AssetSource): AssetSource {
  let pending: Promise<ConsoleAssets> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
