/**
 * The control plane's Hono app: request ids, bearer auth (all but the public paths), one error
 * mapper, whichever route groups the caller mounts, and 405 with Allow for a known path
 * asked with another method. The local server mounts all of
 * them; each DigitalOcean Function mounts only its own, so it loads only what it uses.
 */
import { Hono } from 'hono';
import { requestId } from 'hono/request-id';
import { answerMethodNotAllowed } from '#agent-runtime/method-not-allowed';
import { MethodNotAllowedError, NotFoundError } from '../core/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { type AuthSettings, bearerAuth } from './auth.ts';
import { DOCS_PATHS } from './docs-routes.ts';
import { onError } from './responses.ts';
import { liveRouteRoots } from './route-roots.ts';

export interface AppOptions {
  auth: AuthSettings;
  log: Logger;
  /** Route groups to mount, e.g. [healthRoutes(...), templatesRoutes()]. */
  routes: Hono[];
  /** Paths besides PUBLIC_PATHS that need no token (the console's page and files). */
  publicPaths?: readonly string[];
}

/**
 * Paths that need no token: what the server is, its health and the API's description (it holds
 * no secret: the same for everyone). The templates function serves the description under its
 * own path on DigitalOcean. Route groups with public files (the console) add theirs.
 */
export const PUBLIC_PATHS = new Set([
  '/',
  '/health',
  ...DOCS_PATHS,
  ...DOCS_PATHS.map((path) => `/templates${path}`),
]);

export function createApp(options: AppOptions) {
  const app = new Hono();
  app.use(requestId());
  // What this app serves, for the rules that keep agents from shadowing it (route-roots.ts).
  const routeRoots = liveRouteRoots(app);
  app.use(async (c, next) => {
    c.set('routeRoots', routeRoots());
    await next();
  });
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    options.log('info', 'request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
  });
  const auth = bearerAuth(options.auth);
  const open = new Set([...PUBLIC_PATHS, ...(options.publicPaths ?? [])]);
  app.use(async (c, next) => (open.has(new URL(c.req.url).pathname) ? next() : auth(c, next)));
  for (const routes of options.routes) app.route('/', routes);
  const mapError = onError(options.log);
  // Once every route is in: a known path asked with another method is a 405 with Allow.
  answerMethodNotAllowed(app, (c, allow) =>
    mapError(new MethodNotAllowedError(c.req.method, new URL(c.req.url).pathname, allow), c),
  );
  app.notFound((c) =>
    mapError(new NotFoundError(`no route ${c.req.method} ${new URL(c.req.url).pathname}`), c),
  );
  app.onError(mapError);
  return app;
}
