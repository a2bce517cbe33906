/**
 * Hash routes (`#/`, `#/agents/<name>`, `#/deploy`, `#/playground/<name>`): one HTML document
 * serves every page, under /console/ locally and …/fleetplane/console/ on DigitalOcean alike.
 */
import type { PageFactory } from './page.ts';

export interface Route {
  pattern: RegExp;
  /** Names of the pattern's groups, in order. */
  keys: string[];
  page: PageFactory;
  nav: string;
}

export interface Match {
  route: Route;
  params: Record<string, string>;
  query: URLSearchParams;
}

export function match(routes: Route[], hash: string): Match | undefined {
  const [path = '/', search = ''] = (hash.replace(/^#/, '') || '/').split('?');
  for (const route of routes) {
    const found = route.pattern.exec(path);
    if (!found) continue;
    const params: Record<string, string> = {};
    route.keys.forEach((key, index) => {
      const value = found[index + 1];
      if (value !== undefined) params[key] = decodeURIComponent(value);
    });
    return { route, params, query: new URLSearchParams(search) };
  }
  return undefined;
}
