/**
 * A registry token server, the `realm` of the Docker Registry v2 token flow: a client that got
 * `401 WWW-Authenticate: Bearer realm=...,service=...,scope=...` from the registry calls
 * `GET <realm>?service=...&scope=...` with basic credentials and gets `{token}`, a JWT (ES256)
 * listing the granted actions, which the registry verifies with the public key it was given.
 *
 * This STANDS IN for DigitalOcean's token service (registry.digitalocean.com/v2/token), which
 * cannot run here. It follows the same spec, not DigitalOcean's code: one user, who gets every
 * action asked for. It runs inside the test process, so a test can see which tokens were asked for.
 * Must never grant a token to wrong or missing credentials, and never log a password or token.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { RegistryAuth } from '../env/types.ts';

export interface TokenRequest {
  /** `scope` parameters as sent, e.g. `repository:fleetplane/agent:pull,push`. */
  scopes: string[];
  service: string | null;
  /** The user the basic credentials named, when they were right; null for a refusal. */
  grantedTo: string | null;
  status: number;
}

export interface TokenServer {
  /** `http://localhost:<port>/token` (listening on 127.0.0.1). */
  realm: string;
  service: string;
  issuer: string;
  /** The public key as a JWK set, for the registry's `auth.token.jwks` file. */
  jwks: string;
  /** Every call to the realm, in order. */
  requests: TokenRequest[];
  close(): Promise<void>;
}

/** How long an issued token lasts; DigitalOcean's last 300 s too (`expires_in`). */
const TOKEN_SECONDS = 300;

interface Access {
  type: string;
  name: string;
  actions: string[];
}

/** `repository:name:pull,push` -> {type, name, actions}; the name may itself contain colons. */
function parseScope(scope: string): Access | null {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first <= 0 || last === first) return null;
  return {
    type: scope.slice(0, first),
    name: scope.slice(first + 1, last),
    actions: scope
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function userOf(req: IncomingMessage, auth: RegistryAuth): string | null {
  const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'basic' || !encoded) return null;
  const decoded = Buffer.from(encoded, 'base64').toString();
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const user = decoded.slice(0, colon);
  return sameSecret(user, auth.username) && sameSecret(decoded.slice(colon + 1), auth.password) ? user : null;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startTokenServer(options: {
  auth: RegistryAuth;
  service: string;
  issuer?: string;
}): Promise<TokenServer> {
  const issuer = options.issuer ?? 'fleetplane-test-token-server';
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const kid = randomUUID();
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] });
  const requests: TokenRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    // GET only: the OAuth2 POST form is optional in the spec, and a 404 sends clients to GET.
    if (req.method !== 'GET' || url.pathname !== '/token') {
      send(res, 404, { errors: [{ code: 'NOT_FOUND', message: `${req.method} ${url.pathname}` }] });
      return;
    }
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ').filter(Boolean));
    const service = url.searchParams.get('service');
    const user = userOf(req, options.auth);
    if (!user) {
      requests.push({ scopes, service, grantedTo: null, status: 401 });
      send(
        res,
        401,
        { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
        { 'www-authenticate': 'Basic realm="fleetplane-test-token-server"' },
      );
      return;
    }
    if (service !== options.service) {
      requests.push({ scopes, service, grantedTo: null, status: 400 });
      send(res, 400, { errors: [{ code: 'DENIED', message: `unknown service ${JSON.stringify(service)}` }] });
      return;
    }
    const access = scopes.map(parseScope).filter((a) => a !== null);
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ access })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setSubject(user)
      .setAudience(options.service)
      .setIssuedAt(now)
      .setNotBefore(now - 10)
      .setExpirationTime(now + TOKEN_SECONDS)
      .setJti(randomUUID())
      .sign(privateKey);
    requests.push({ scopes, service, grantedTo: user, status: 200 });
    send(res, 200, {
      token,
      access_token: token,
      expires_in: TOKEN_SECONDS,
      issued_at: new Date(now * 1000).toISOString(),
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, 500, { errors: [{ code: 'UNKNOWN', message: String(error) }] });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    // A host name, not 127.0.0.1: crane (go-containerregistry >= 0.22) refuses a realm given as a
    // private or loopback IP literal unless it is the registry's own host:port, against SSRF.
    // DigitalOcean's realm is on another host than its registry too.
    realm: `http://localhost:${port}/token`,
    service: options.service,
    issuer,
    jwks,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
