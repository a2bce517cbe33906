/**
 * What keeps web pages from driving the local server (cross-site request forgery, DNS
 * rebinding). A page in the user's browser can send a "simple" request to 127.0.0.1 (a
 * text/plain POST needs no CORS preflight), and a page whose domain re-resolves to 127.0.0.1
 * can even read the answers. So:
 *
 * - in open mode (no token, loopback only), a request whose Host is not a loopback name
 *   (DNS rebinding) or whose Origin is not the server's own is refused with 403;
 * - writes to the API that carry a body or a Content-Type must say `application/json` (415
 *   otherwise), which a page cannot send cross-origin without a preflight we never grant.
 *
 * These wrap the server's fetch; they must never let a refused request reach the app.
 */
import { problem } from './problem.ts';
import type { Fetch } from './proxy.ts';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether a host name or address (as in HOST or a Host header, no port) is loopback. */
export function isLoopbackName(name: string): boolean {
  const host = name.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    host === '::ffff:127.0.0.1'
  );
}

/** The host name of a Host header value (`name`, `name:port`, `[v6]:port`). */
function hostNameOf(header: string): string {
  const bracketed = /^\[([^\]]*)\](:\d+)?$/.exec(header);
  if (bracketed) return bracketed[1] as string;
  return header.replace(/:\d+$/, '');
}

/**
 * Open mode only: refuses requests addressed to a non-loopback name and requests from a
 * page of another origin. Requests without an Origin (curl, SDKs, the client) pass.
 */
export function loopbackOnly(next: Fetch): Fetch {
  return (request) => {
    const host = request.headers.get('host') ?? '';
    if (!isLoopbackName(hostNameOf(host)))
      return problem(
        403,
        'forbidden-host',
        'Host not allowed',
        `this server runs without a token, so it answers only requests addressed to a loopback name (localhost, 127.0.0.1, [::1]); Host was "${host.slice(0, 100)}"`,
      );
    const origin = request.headers.get('origin');
    if (origin !== null && origin !== `http://${host.toLowerCase()}`)
      return problem(
        403,
        'forbidden-origin',
        'Origin not allowed',
        `this server runs without a token, so it answers pages of its own origin only (http://${host.slice(0, 100)}); Origin was "${origin.slice(0, 100)}"`,
      );
    return next(request);
  };
}

const isJson = (contentType: string) => {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[\w.+-]+\+json$/.test(type);
};

/**
 * Writes must be JSON: a write with a body or a Content-Type says `application/json`; one
 * with neither (a plain DELETE, a rollback to the previous generation) passes.
 */
export function jsonWrites(next: Fetch): Fetch {
  return (request) => {
    if (!WRITES.has(request.method)) return next(request);
    const contentType = request.headers.get('content-type');
    const length = request.headers.get('content-length');
    const hasBody = (length !== null && length !== '0') || request.headers.get('transfer-encoding') !== null;
    if (contentType === null && !hasBody) return next(request);
    if (contentType !== null && isJson(contentType)) return next(request);
    return problem(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      `${request.method} bodies must be JSON: send "Content-Type: application/json" (got ${contentType === null ? 'none' : `"${contentType.slice(0, 100)}"`})`,
    );
  };
}
