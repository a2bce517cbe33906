/**
 * Where the console may run: only on an origin no code but ours shares, since whatever runs on
 * the same origin can open the console in a window and read the token typed into it.
 *
 * - The local server (`npm start`) is its user's alone: every origin it answers on is its own
 *   (its request guards decide who may ask at all), so the console runs on the one it was asked on.
 * - The `console` function runs only on FLEETPLANE_CONSOLE_ORIGIN, the operator's dedicated
 *   origin (a domain routed to the functions by App Platform, for example), and never on a
 *   DigitalOcean function host (`faas-<region>-<id>.doserverless.co`): one host per region,
 *   shared by every customer's web functions, whatever the setting says.
 *
 * Anywhere else it answers a page that says why and what to set, and serves nothing of the console.
 *
 * Pure apart from reading the env object and the request it is given.
 */
import type { Env } from '../wiring/env.ts';
import { consoleOriginFromEnv } from '../wiring/settings.ts';

export type OriginPolicy =
  | { kind: 'own' }
  | {
      kind: 'configured';
      /** Read on every request (never at load). */
      env: () => Env;
    };

/** Hosts shared by many customers' code, so never an origin of the console's own. */
export const SHARED_FUNCTION_HOSTS = ['doserverless.co'] as const;

const isShared = (host: string) =>
  SHARED_FUNCTION_HOSTS.some((shared) => host === shared || host.endsWith(`.${shared}`));

/** The first value of a header that proxies may have made a list ("a, b"). */
const first = (value: string | null) => value?.split(',')[0]?.trim() || undefined;

/**
 * The origin the browser asked for, as a function sees it: the proxy's X-Forwarded-Host and
 * X-Forwarded-Proto (App Platform in front), else the Host header, https by default. A client
 * other than a browser can forge these, but gains nothing: it gets a page that holds no data.
 */
export function requestOrigin(request: Request): string | undefined {
  const host = first(request.headers.get('x-forwarded-host')) ?? first(request.headers.get('host'));
  if (!host) return undefined;
  const scheme = first(request.headers.get('x-forwarded-proto')) === 'http' ? 'http' : 'https';
  try {
    return new URL(`${scheme}://${host}`).origin;
  } catch {
    return undefined;
  }
}

export type OriginDecision = { serve: true; origin: string } | { serve: false; why: string; fix: string };

export function decideOrigin(policy: OriginPolicy, request: Request): OriginDecision {
  if (policy.kind === 'own') return { serve: true, origin: new URL(request.url).origin };
  const asked = requestOrigin(request);
  const at = asked ? `This page was asked for at ${asked}` : 'This request named no host';
  let configured: string | undefined;
  try {
    configured = consoleOriginFromEnv(policy.env());
  } catch (error) {
    return {
      serve: false,
      why: `${at}, and the console's origin setting is unusable.`,
      fix: (error as Error).message,
    };
  }
  const setIt =
    'Route a domain of your own to the functions (for example with DigitalOcean App Platform: a functions component on a domain such as console.example.com) and set FLEETPLANE_CONSOLE_ORIGIN to its origin, e.g. https://console.example.com; then open the console there.';
  if (configured === undefined)
    return {
      serve: false,
      why: `${at}. The console runs only on an origin dedicated to it, and none is configured (FLEETPLANE_CONSOLE_ORIGIN is not set).`,
      fix: setIt,
    };
  if (isShared(new URL(configured).hostname))
    return {
      serve: false,
      why: `FLEETPLANE_CONSOLE_ORIGIN is ${configured}, a DigitalOcean function host: every customer's web functions share it, so any of them could read the token typed here.`,
      fix: setIt,
    };
  if (asked !== configured)
    return {
      serve: false,
      why: `${at}, which is not the console's dedicated origin.`,
      fix: `Open the console at ${configured} (the path after the host stays the same).`,
    };
  return { serve: true, origin: configured };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch] as string);

/** The page a refused origin gets: why, and what to set. No script, no style, no link to follow blindly. */
export function refusedOriginPage(decision: Extract<OriginDecision, { serve: false }>): Response {
  const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>fleetplane console: not on this origin</title></head>
<body>
<h1>The fleetplane console is not served on this origin</h1>
<p>${escapeHtml(decision.why)}</p>
<p>The console holds an API token while you use it. On an origin it shares with code that is not fleetplane's, that code could open the console in a window and read the token, so the console refuses to run here.</p>
<p><strong>What to do:</strong> ${escapeHtml(decision.fix)}</p>
<p>The API itself works from anywhere with a token: <code>FLEETPLANE_URL=… FLEETPLANE_TOKEN=… npx fleetplane list</code>.</p>
</body>
</html>
`;
  return new Response(body, {
    status: 403,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy':
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    },
  });
}
