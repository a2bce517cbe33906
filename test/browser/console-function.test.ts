/**
 * The console as the DigitalOcean Function `fleetplane/console`: its folder built by
 * `npm run build`'s own code (CommonJS, the console's files embedded by the build plugin, no
 * esbuild at run time), invoked through `main` with DigitalOcean's web-raw args.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFunctions } from '../../functions/build.ts';
import type { DoArgs, DoResult } from '../../functions/src/entries/do-adapter.ts';
import { scratchDir } from '../support/scratch.ts';

type Main = (args: DoArgs) => Promise<DoResult>;
let main: Main;
let bundleBytes = 0;
const token = 'function-test-token';

const web = (path: string, headers: Record<string, string> = {}, queryString = ''): DoArgs => ({
  http: { method: 'GET', path, headers, queryString },
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
