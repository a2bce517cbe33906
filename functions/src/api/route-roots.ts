/**
 * The first path segments of the routes an app actually mounts (`deploy`, `deployments`, `gc`,
 * ...): no agent may be named after one. On the local server agents answer at `/<name>/` on
 * the API's own port, so an agent named after a route would take that route's requests, the
 * operator's bearer token with them. Read from the app itself, so a route added tomorrow is
 * reserved the day it is mounted, with no list to keep in step.
 *
 * Reads only the app's route table; never a request.
 */
import type { Hono } from 'hono';

declare module 'hono' {
  interface ContextVariableMap {
    /** The first path segments of every route the serving app mounts (route-roots.ts). */
    routeRoots: readonly string[];
  }
}

/** Literal first segments of the app's routes, sorted; parameters and wildcards name nothing. */
export function routeRootsOf(app: Pick<Hono, 'routes'>): string[] {
  const roots = new Set<string>();
  for (const { path } of app.routes) {
    const first = path.split('/')[1] ?? '';
    if (first && !/[:*{}()?]/.test(first)) roots.add(first);
  }
  return [...roots].sort();
}

/** routeRootsOf, read again only when routes were added since the last call. */
export function liveRouteRoots(app: Pick<Hono, 'routes'>): () => readonly string[] {
  let seen = -1;
  let roots: readonly string[] = [];
  return () => {
    if (app.routes.length !== seen) {
      seen = app.routes.length;
      roots = routeRootsOf(app);
    }
    return roots;
  };
}
