/**
 * GET /console: the web console's page and its static files. The page carries no data (every
 * figure comes from the API, called by the script with the user's token), so these routes
 * are public; the API routes the script calls are not. They serve only on an origin dedicated
 * to the console (dedicated-origin.ts); anywhere else, a page that says why and what to set.
 *
 * Caching: the page is revalidated on every load; files requested with their content hash
 * (`app.js?v=<hash>`, as the page links them) are immutable, anything else revalidates by ETag.
 */
import { Hono } from 'hono';
import { problemResponse } from '../api/responses.ts';
import type { Env } from '../wiring/env.ts';
import { ASSET_NAMES, type AssetName, type AssetSource, type ConsoleAssets } from './assets.ts';
import { securityHeaders } from './csp.ts';
import { decideOrigin, type OriginPolicy, refusedOriginPage } from './dedicated-origin.ts';
import { consolePage } from './page.ts';

export interface ConsoleRoutesOptions {
  assets: AssetSource;
  /** Read on every request (never at load): the agents' origin goes into connect-src. */
  env: () => Env;
  /** Where the console may run: the local server's own origin, or the function's configured one. */
  origin: OriginPolicy;
}

async function load(assets: AssetSource): Promise<ConsoleAssets | Response> {
  try {
    return await assets();
  } catch (error) {
    return problemResponse({
      type: 'about:blank',
      title: 'Console unavailable',
      status: 503,
      detail: `the console's files could not be bundled: ${(error as Error).message}`,
    });
  }
}

export function consoleRoutes(options: ConsoleRoutesOptions) {
  return (
    new Hono()
      // Nothing of the console on an origin that is not dedicated to it, not even its files.
      .use('/console', async (c, next) => {
        const decision = decideOrigin(options.origin, c.req.raw);
        if (!decision.serve) return refusedOriginPage(decision);
        return next();
      })
      .use('/console/*', async (c, next) => {
        const decision = decideOrigin(options.origin, c.req.raw);
        if (!decision.serve) return refusedOriginPage(decision);
        c.set('consoleOrigin', decision.origin);
        return next();
      })
      // A relative Location keeps whatever prefix the platform put in front of /console.
      .get('/console', (c) => c.redirect('console/', 308))
      .get('/console/', async (c) => {
        const assets = await load(options.assets);
        if (assets instanceof Response) return assets;
        return c.html(consolePage(assets, c.get('consoleOrigin')), 200, {
          ...securityHeaders(options.env()),
          'cache-control': 'no-cache',
        });
      })
      .get('/console/:file', async (c, next) => {
        const name = c.req.param('file') as AssetName;
        if (!(ASSET_NAMES as readonly string[]).includes(name)) return next();
        const assets = await load(options.assets);
        if (assets instanceof Response) return assets;
        const asset = assets[name];
        const etag = `"${asset.hash}"`;
        const headers = {
          'content-type': asset.contentType,
          etag,
          'x-content-type-options': 'nosniff',
          'cache-control':
            c.req.query('v') === asset.hash ? 'public, max-age=31536000, immutable' : 'no-cache',
        };
        if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
        return c.body(asset.body, 200, headers);
      })
  );
}

declare module 'hono' {
  interface ContextVariableMap {
    /** The origin the console runs on, decided for this request (the page checks it again). */
    consoleOrigin: string;
  }
}
