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
 * Adds the 405 catch-alls; `answer` renders it in the app's own error shape, with `Allow`. A
 * request whose method the path allows, but whose handler passed it on (a file that is not
 * there, say), goes on to the app's 404: its method was allowed.
 */
export function answerMethodNotAllowed<E extends Env>(
  app: Hono<E>,
  answer: (c: Context<E>, allow: string[]) => Response | Promise<Response>,
): void {
  for (const [path, allow] of allowedMethods(app.routes))
    app.all(path, (c, next) => (allow.includes(c.req.method) ? next() : answer(c, allow)));
}
