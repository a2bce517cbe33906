/**
 * 405 Method Not Allowed, with the `Allow` header, for a path an app serves with other methods
 * (Hono itself answers 404 there). Generic over any Hono app: the control plane uses it too
 * (`#agent-runtime/method-not-allowed`), so it must stay free of anything but Hono.
 *
 * Call it once every route is registered: it reads the app's routes and adds, per path, a
 * catch-all that runs only when no method of that path matched (Hono runs handlers in the
 * order they were added). Middleware (`use`, `all`) is not a method a path allows.
 */
import type { Context, Env, Hono } from 'hono';
import { PatternRouter } from 'hono/router/pattern-router';

/** The methods each route path answers, in a stable order; HEAD beside GET (Hono serves it from GET). */
export function allowedMethods(routes: readonly { method: string; path: string }[]): Map<string, string[]> {
  const byPath = new Map<string, Set<string>>();
  for (const { method, path } of routes) {
    if (method === 'ALL') continue;
    const methods = byPath.get(path) ?? new Set<string>();
    methods.add(method);
    if (method === 'GET') methods.add('HEAD');
    byPath.set(path, methods);
  }
  return new Map([...byPath].map(([path, methods]) => [path, [...methods].sort()]));
}

/**
 * Adds the 405 answer: one catch-all, last, that runs only when no handler answered. It finds
 * the path's methods in a matcher of the app's routes built on the first miss, so an app that
 * is never asked a wrong method pays nothing for it: a catch-all per path would sit in every
 * method's compiled router (about 18 KiB per app, which a pool of 1,000 agents' apps pays
 * 1,000 times). A request whose method the path allows, but whose handler passed it on (a file
 * that is not there, say), goes on to the app's 404: its method was allowed.
 */
export function answerMethodNotAllowed<E extends Env>(
  app: Hono<E>,
  answer: (c: Context<E>, allow: string[]) => Response | Promise<Response>,
): void {
  let matcher: PatternRouter<string[]> | undefined;
  const allowedAt = (path: string): string[] | undefined => {
    if (!matcher) {
      matcher = new PatternRouter<string[]>();
      for (const [route, allow] of allowedMethods(app.routes)) matcher.add('ALL', route, allow);
    }
    return matcher.match('ALL', path)[0][0]?.[0];
  };
  app.all('*', (c, next) => {
    const allow = allowedAt(c.req.path);
    return !allow || allow.includes(c.req.method) ? next() : answer(c, allow);
  });
}
