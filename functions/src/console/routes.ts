/**
 * GET /console: the web console's page and its static files. The page carries no data (every
 * figure comes from the API, called by the script with the user's token), so these routes
 * are public; the API routes the script calls are not.
 *
 * Caching: the page is revalidated on every load; files requested with their content hash
 * (`app.js?v=<hash>`, as the page links them) are immutable, anything else revalidates by ETag.
 */
import { Hono } from 'hono';
import { problemResponse } from '../api/responses.ts';
import type { Env } from '../wiring/env.ts';
import { ASSET_NAMES, type AssetName, type AssetSource, type ConsoleAssets } from './assets.ts';
import { securityHeaders } from './csp.ts';
import { consolePage } from './page.ts';

export interface ConsoleRoutesOptions {
  assets: AssetSource;
  /** Read on every request (never at load): the agents' origin goes into connect-src. */
  env: () => Env;
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
      // A relative Location keeps whatever prefix the platform put in front of /console.
      .get('/console', (c) => c.redirect('console/', 308))
      .get('/console/', async (c) => {
        const assets = await load(options.assets);
        if (assets instanceof Response) return assets;
        return c.html(consolePage(assets), 200, {
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
