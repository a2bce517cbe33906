/**
 * The console as the DigitalOcean Function `fleetplane/console`: its folder built by
 * `npm run build`'s own code (CommonJS, the console's files embedded by the build plugin, no
 * esbuild at run time), invoked through `main` with DigitalOcean's web-raw args, and over HTTP
 * through a stand-in for DigitalOcean's web gateway (which cannot run here) to show that it
 * serves the console only on its dedicated origin.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../functions/build.ts';
import type { DoArgs, DoResult } from '../../functions/src/entries/do-adapter.ts';
import { scratchDir } from '../support/scratch.ts';

type Main = (args: DoArgs) => Promise<DoResult>;
let main: Main;
let bundleBytes = 0;
const token = 'function-test-token';
const DEDICATED = 'console.example.test';

/** A web request as DigitalOcean hands it over, asked for at the dedicated origin unless said otherwise. */
const web = (path: string, headers: Record<string, string> = {}, queryString = ''): DoArgs => ({
  http: {
    method: 'GET',
    path,
    headers: { host: DEDICATED, 'x-forwarded-proto': 'https', ...headers },
    queryString,
  },
});

beforeAll(async () => {
  const [built] = await buildFunctions({
    dir: await scratchDir('fleetplane-console-fn-'),
    only: ['console'],
  });
  if (!built) throw new Error('the build returned no console function');
  bundleBytes = built.totalBytes;
  // Nothing that bundles (esbuild) or reaches a store or a cluster is in the function: not in
  // its entry, and no lazy chunk of the store or the cluster beside it.
  expect(
    built.inputs.filter((input) => /esbuild|client-s3|client-node|console\/bundle\.ts/.test(input)),
  ).toEqual([]);
  expect((await readdir(built.dir)).filter((file) => /s3-blobs|kube-cluster|providers/.test(file))).toEqual(
    [],
  );
  process.env.FLEETPLANE_API_TOKEN_HASHES = createHash('sha256').update(token).digest('hex');
  process.env.FLEETPLANE_DOMAIN = 'agents.example.test';
  process.env.FLEETPLANE_CONSOLE_ORIGIN = `https://${DEDICATED}`;
  main = createRequire(import.meta.url)(join(built.dir, 'index.js')).main as Main;
}, 60_000);

describe('the console function', () => {
  it('redirects to the trailing slash relatively, so any path prefix the platform adds is kept', async () => {
    const result = await main(web(''));
    expect([result.statusCode, result.headers.location]).toEqual([308, 'console/']);
  });

  it('serves the page without a token, under a CSP that allows the agents’ host for the playground', async () => {
    const result = await main(web('/'));
    expect(result.statusCode).toBe(200);
    expect(result.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self' https://agents.example.test; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(result.body).toContain('<script type="module" src="app.js?v=');
    // The script runs only on the origin the page names.
    expect(result.body).toContain(`<meta name="fleetplane-origin" content="https://${DEDICATED}">`);
    console.log(`console function bundle: ${bundleBytes} B`);
  });

  it('serves its files with their hash as immutable, and answers 304 to a matching ETag', async () => {
    const page = (await main(web('/'))).body;
    const version = /app\.js\?v=([0-9a-f]+)/.exec(page)?.[1] as string;
    const script = await main(web('/app.js', {}, `v=${version}`));
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.body.length).toBeGreaterThan(10_000);
    const unversioned = await main(web('/app.js'));
    expect(unversioned.headers['cache-control']).toBe('no-cache');
    const again = await main(web('/app.js', { 'if-none-match': `"${version}"` }));
    expect([again.statusCode, again.body]).toEqual([304, '']);
    expect((await main(web('/validator.js'))).body).toContain('must be a DNS label');
  });

  it('serves nothing else: other paths need the token and are not found', async () => {
    expect((await main(web('/secrets.txt'))).statusCode).toBe(401);
    const missing = await main(web('/secrets.txt', { authorization: `Bearer ${token}` }));
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).toContain('application/problem+json');
  });
});

/**
 * Stands in for DigitalOcean's web gateway, which cannot run here: each HTTP request becomes the
 * web-raw args DigitalOcean documents (lower-case headers, the Host and X-Forwarded-Proto among
 * them, the path after the function's URL), and the function's result the HTTP answer.
 */
function gateway(functionMain: Main): Promise<{ server: Server; port: number }> {
  const prefix = '/api/v1/web/fn-test/fleetplane/console';
  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://gateway.invalid');
    if (!url.pathname.startsWith(prefix)) {
      response.writeHead(404).end();
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, String(value)]),
    );
    const result = await functionMain({
      http: {
        method: request.method ?? 'GET',
        path: url.pathname.slice(prefix.length),
        headers: { ...headers, 'x-forwarded-proto': 'http' },
        queryString: url.search.slice(1),
      },
    });
    response.writeHead(result.statusCode, result.headers).end(result.body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })),
  );
}

describe('the console function on an origin that is not dedicated to it', () => {
  let served: { server: Server; port: number };
  const saved = process.env.FLEETPLANE_CONSOLE_ORIGIN;
  beforeAll(async () => {
    served = await gateway(main);
  });
  afterAll(async () => {
    await new Promise((resolve) => served.server.close(resolve));
    process.env.FLEETPLANE_CONSOLE_ORIGIN = saved;
  });
  const pageAt = (host: string) =>
    fetch(`http://${host}:${served.port}/api/v1/web/fn-test/fleetplane/console/`, { redirect: 'manual' });

  it('answers the page that says why and what to set, and serves nothing of the console, over HTTP', async () => {
    // The dedicated origin is http://localhost:<port>; the same gateway asked as 127.0.0.1 is another origin.
    process.env.FLEETPLANE_CONSOLE_ORIGIN = `http://localhost:${served.port}`;
    const dedicated = await pageAt('localhost');
    expect(dedicated.status).toBe(200);
    expect(await dedicated.text()).toContain('<script type="module" src="app.js?v=');

    const elsewhere = await pageAt('127.0.0.1');
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(elsewhere.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
    const page = await elsewhere.text();
    expect(page).toContain('The fleetplane console is not served on this origin');
    expect(page).toContain(
      `This page was asked for at http://127.0.0.1:${served.port}, which is not the console's dedicated origin`,
    );
    expect(page).toContain(`Open the console at http://localhost:${served.port}`);
    expect(page).not.toMatch(/<script|app\.js|<link/);
    const script = await fetch(
      `http://127.0.0.1:${served.port}/api/v1/web/fn-test/fleetplane/console/app.js`,
    );
    expect(script.status).toBe(403);
    expect(script.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('refuses a DigitalOcean function host whatever is configured, and says what to set', async () => {
    const shared = 'faas-nyc1-2ef2e6cc.doserverless.co';
    process.env.FLEETPLANE_CONSOLE_ORIGIN = `https://${shared}`;
    const refused = await main(web('/', { host: shared }));
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain(
      `FLEETPLANE_CONSOLE_ORIGIN is https://${shared}, a DigitalOcean function host`,
    );
    expect(refused.body).toContain(
      'set FLEETPLANE_CONSOLE_ORIGIN to its origin, e.g. https://console.example.com',
    );

    delete process.env.FLEETPLANE_CONSOLE_ORIGIN;
    const unset = await main(web('/', { host: shared }));
    expect(unset.statusCode).toBe(403);
    expect(unset.body).toContain('none is configured (FLEETPLANE_CONSOLE_ORIGIN is not set)');
  });
});
