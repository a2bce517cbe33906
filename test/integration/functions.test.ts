/**
 * The bundled DigitalOcean Functions (dist/digitalocean/packages/fleetplane/<name>/index.js, as
 * `doctl serverless deploy` uploads them) invoked through their `main` with recorded DO-shaped
 * args: web raw, legacy __ow_* fields (a JSON body base64-encoded, as the platform sends it),
 * base64 bodies, plain `doctl serverless functions invoke` params, and the scheduled sweep, all
 * against the real test environment; and DigitalOcean's request limits (720 KiB, 200 a page).
 */
import { randomUUID } from 'node:crypto';
import { cp, readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildContext } from '../../build-jobs/build-context.ts';
import { buildFunctions, type FunctionName, functionDir } from '../../functions/build.ts';
import { openApiDocument } from '../../functions/src/api/openapi.ts';
import { buildJobName } from '../../functions/src/core/agent-objects/build-job.ts';
import { VERSION } from '../../functions/src/version.ts';
import { testRegistry } from '../env/control-plane-identity.ts';
import { testEnv } from '../env/inject.ts';
import { environmentFor, TEST_TOKEN, waitFor } from '../support/control-plane-harness.ts';
import { scratchDir } from '../support/scratch.ts';

type Main = (
  args?: Record<string, unknown>,
) => Promise<{ statusCode: number; headers: Record<string, string>; body: string }>;

const require = createRequire(import.meta.url);
let mains: Record<FunctionName, Main>;
const saved = { ...process.env };

const web = (method: string, path = '', extra: Record<string, unknown> = {}) => ({
  http: {
    method,
    path,
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
    queryString: '',
    ...extra,
  },
});

beforeAll(async () => {
  // The functions read process.env on their first invocation, as on DigitalOcean.
  Object.assign(process.env, environmentFor({ FLEETPLANE_LOG_LEVEL: 'error' }));
  delete process.env.FLEETPLANE_KUBECONFIG_DATA;
  const built = await buildFunctions();
  mains = Object.fromEntries(
    built.map(({ name }) => [name, require(join(functionDir(name), 'index.js')).main]),
  ) as typeof mains;
}, 120_000);

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  Object.assign(process.env, saved);
});

describe('the bundled functions', () => {
  it('hold one copy of the error classes, shared by the entry and the lazy chunks', async () => {
    for (const name of ['deploy', 'deployments', 'health'] as const) {
      const files = (await readdir(functionDir(name))).filter((file) => file.endsWith('.js'));
      const copies = await Promise.all(
        files.map(
          async (file) =>
            (await readFile(join(functionDir(name), file), 'utf8')).split('this.retryAfterSeconds=').length -
            1,
        ),
      );
      expect({ name, copies: copies.reduce((a, b) => a + b, 0) }).toEqual({ name, copies: 1 });
    }
    // A NotFoundError thrown in the lazily loaded control plane is answered by the entry as a 404.
    expect((await mains.deployments({ path: 'never-deployed' })).statusCode).toBe(404);
  });

  it('templates answers a web request, and refuses one without a token', async () => {
    const ok = await mains.templates(web('GET'));
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body).templates).toHaveLength(6);
    const denied = await mains.templates({ http: { method: 'GET', path: '', headers: {} } });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['content-type']).toContain('application/problem+json');
    // The API's description is public, and the bundle holds every component the source does.
    const openapi = await mains.templates({ http: { method: 'GET', path: '/openapi.json', headers: {} } });
    expect(openapi.statusCode).toBe(200);
    const document = JSON.parse(openapi.body);
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.components.schemas).sort()).toEqual(
      Object.keys(openApiDocument(VERSION).components.schemas).sort(),
    );
    expect((await mains.templates({ http: { method: 'GET', path: '/docs', headers: {} } })).statusCode).toBe(
      200,
    );
  });

  it('whoami answers the scope of the token, and refuses a request without one', async () => {
    const admin = await mains.whoami(web('GET'));
    expect(admin.statusCode).toBe(200);
    expect(JSON.parse(admin.body)).toMatchObject({ scope: 'admin:*', role: 'admin', via: 'token' });
    expect((await mains.whoami({ http: { method: 'GET', path: '', headers: {} } })).statusCode).toBe(401);
    // `doctl serverless functions invoke fleetplane/whoami`: DigitalOcean authenticated it, as admin.
    expect(JSON.parse((await mains.whoami({})).body)).toMatchObject({ scope: 'admin:*', via: 'invocation' });
  });

  it('health reports the store and the cluster without a token', async () => {
    const result = await mains.health({ http: { method: 'GET', path: '', headers: {} } });
    expect(result.statusCode).toBe(200);
    const body = JSON.parse(result.body);
    expect(body.checks.store.ok).toBe(true);
    expect(body.checks.cluster.ok).toBe(true);
  });

  it('deploy takes a raw web body, a base64 body and a plain invocation', async () => {
    const raw = await mains.deploy(web('POST', '', { body: JSON.stringify({ name: 'fn-raw' }) }));
    expect(raw.statusCode).toBe(201);
    const encoded = Buffer.from(JSON.stringify({ name: 'fn-b64' })).toString('base64');
    const b64 = await mains.deploy(web('POST', '', { body: encoded, isBase64Encoded: true }));
    expect(b64.statusCode).toBe(201);
    const plain = await mains.deploy({ name: 'fn-plain', template: 'Code Assistant' });
    expect(plain.statusCode).toBe(201);
    expect(JSON.parse(plain.body)).toMatchObject({ name: 'fn-plain', outcome: 'created', generation: 1 });
    const invalid = await mains.deploy(web('POST', '', { body: JSON.stringify({ name: 'Bad!' }) }));
    expect(invalid.statusCode).toBe(422);
    // A raw web action's __ow_body: JSON arrives base64-encoded, with no flag saying so.
    const owBody = await mains.deploy({
      __ow_method: 'post',
      __ow_path: '',
      __ow_headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      __ow_body: Buffer.from(JSON.stringify({ name: 'fn-ow' })).toString('base64'),
    });
    expect(owBody.statusCode, owBody.body).toBe(201);
    expect((await mains.deployments(web('DELETE', '/fn-ow'))).statusCode).toBe(200);
  });

  it("follow DigitalOcean's request limits: a deploy body of 720 KiB, a page of 200 agents, and the document says so", async () => {
    const padded = (bytes: number) => {
      const json = '{"name":"Bad!"}';
      return json + ' '.repeat(bytes - json.length);
    };
    expect((await mains.deploy(web('POST', '', { body: padded(720 * 1024) }))).statusCode).toBe(422);
    const over = await mains.deploy(web('POST', '', { body: padded(720 * 1024 + 1) }));
    expect(over.statusCode).toBe(413);
    // A problem is JSON of the +json family: sent base64, which the platform decodes either way.
    expect(JSON.parse(Buffer.from(over.body, 'base64').toString('utf8')).detail).toMatch(
      /^the body must be at most 720 KiB on DigitalOcean/,
    );
    const page = await mains.deployments(web('GET', '', { queryString: 'limit=201' }));
    expect(page.statusCode).toBe(400);
    const openapi = JSON.parse((await mains.templates(web('GET', '/openapi.json'))).body);
    expect(openapi.paths['/deploy'].post.responses['413'].description).toMatch(/^Body larger than 720 KiB/);
  });

  it('serve the console icon base64, as the platform needs for an image (it decodes it)', async () => {
    // The console serves only its dedicated origin: on the shared function host, a page saying why.
    process.env.FLEETPLANE_CONSOLE_ORIGIN = 'https://console.fleet.test';
    const shared = await mains.console(
      web('GET', '/icon.svg', {
        headers: { ...web('GET').http.headers, host: 'faas-fra1-0123.doserverless.co' },
      }),
    );
    expect(shared.statusCode).toBe(403);
    const onConsoleOrigin = {
      headers: { ...web('GET').http.headers, 'x-forwarded-host': 'console.fleet.test' },
    };
    const icon = await mains.console(web('GET', '/icon.svg', onConsoleOrigin));
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(Buffer.from(icon.body, 'base64').toString('utf8')).toMatch(
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/,
    );
    const page = await mains.console(web('GET', '/', onConsoleOrigin));
    expect(page.body).toMatch(/^<!doctype html>/i);
    delete process.env.FLEETPLANE_CONSOLE_ORIGIN;
  });

  it('deployments lists, reads one (legacy __ow_* args too), tails logs and deletes', async () => {
    const listed = await mains.deployments(web('GET'));
    expect(listed.statusCode).toBe(200);
    expect(JSON.parse(listed.body).deployments.map((d: { name: string }) => d.name)).toEqual(
      expect.arrayContaining(['fn-raw', 'fn-b64', 'fn-plain']),
    );
    const legacy = await mains.deployments({
      __ow_method: 'get',
      __ow_path: '/fn-raw',
      __ow_headers: { authorization: `Bearer ${TEST_TOKEN}` },
    });
    expect(legacy.statusCode).toBe(200);
    expect(JSON.parse(legacy.body).name).toBe('fn-raw');
    await waitFor(
      'fn-raw Running',
      async () => JSON.parse((await mains.deployments(web('GET', '/fn-raw'))).body).phase === 'Running',
    );
    const revisions = await mains.deployments(web('GET', '/fn-raw/revisions'));
    expect(JSON.parse(revisions.body).current).toBe(1);
    const badTail = await mains.deployments(web('GET', '/fn-raw/logs', { queryString: 'tail=0' }));
    expect(badTail.statusCode).toBe(400);
    for (const name of ['fn-raw', 'fn-b64'])
      expect((await mains.deployments(web('DELETE', `/${name}`))).statusCode).toBe(200);
    const plainDelete = await mains.deployments({ method: 'DELETE', path: '/fn-plain' });
    expect(plainDelete.statusCode).toBe(200);
    expect((await mains.deployments({ path: 'fn-plain' })).statusCode).toBe(404);
  });

  it('sweep reconciles and reports', async () => {
    const report = (await (
      mains.sweep as unknown as () => Promise<{ failures: unknown[]; agents: number }>
    )()) as {
      failures: unknown[];
      agents: number;
    };
    expect(report.failures).toEqual([]);
    expect(report.agents).toBe(0);
  });

  it('carry the build context: its tag at hand, its bytes in a lazy chunk that a deploy uploads for Kaniko', async () => {
    const t = testEnv();
    const expected = await buildContext();
    const chunk = require(join(functionDir('deploy'), 'build-context.js')) as {
      PREBUILT_CONTEXT_BASE64: string;
    };
    expect(Buffer.from(chunk.PREBUILT_CONTEXT_BASE64, 'base64').equals(Buffer.from(expected.tarGz))).toBe(
      true,
    );
    const index = await readFile(join(functionDir('deploy'), 'index.js'), 'utf8');
    expect(index).not.toContain(chunk.PREBUILT_CONTEXT_BASE64.slice(0, 200));

    // A fresh copy of the deploy function (a cold start) with in-cluster builds on.
    const run = randomUUID().slice(0, 6);
    const env = environmentFor({
      FLEETPLANE_LOG_LEVEL: 'error',
      FLEETPLANE_RUNTIME_IMAGE: undefined,
      FLEETPLANE_REGISTRY: testRegistry(t.registry, 'functions'),
      FLEETPLANE_REGISTRY_DOCKER_CONFIG: t.registryDockerConfig ?? undefined,
    });
    const kube = new KubeConfig();
    kube.loadFromFile(t.kubeconfigPath);
    const batch = kube.makeApiClient(BatchV1Api);
    const job = buildJobName(expected.tag);
    // The Job of the real runtime is shared by name: one left by an earlier run (within its TTL)
    // would already be there, and this deploy would reuse it instead of creating it.
    const removeJob = () =>
      batch
        .deleteNamespacedJob({ name: job, namespace: t.buildNamespace, propagationPolicy: 'Background' })
        .catch(() => undefined);
    await removeJob();
    await waitFor('no leftover build Job', async () =>
      batch.readNamespacedJob({ name: job, namespace: t.buildNamespace }).then(
        () => false,
        () => true,
      ),
    );
    const copy = join(await scratchDir('fleetplane-fn-'), 'deploy');
    await cp(functionDir('deploy'), copy, { recursive: true });
    const before = { ...process.env };
    Object.assign(process.env, env);
    delete process.env.FLEETPLANE_RUNTIME_IMAGE;
    try {
      const main = require(join(copy, 'index.js')).main as Main;
      const result = await main(web('POST', '', { body: JSON.stringify({ name: `fn-build-${run}` }) }));
      expect(result.statusCode, result.body).toBe(201);
      expect(JSON.parse(result.body).deployment.build).toMatchObject({
        tag: expected.tag,
        job,
        phase: 'Pending',
      });
      const s3 = new S3Client({
        endpoint: t.s3.endpoint,
        region: t.s3.region,
        forcePathStyle: true,
        credentials: { accessKeyId: t.s3.accessKeyId, secretAccessKey: t.s3.secretAccessKey },
      });
      const prefix = (env.FLEETPLANE_STORE as string).slice(`s3://${t.s3.bucket}/`.length);
      const uploaded = await s3.send(
        new GetObjectCommand({ Bucket: t.s3.bucket, Key: `${prefix}/builds/${expected.tag}.tar.gz` }),
      );
      expect(
        Buffer.from(await uploaded.Body!.transformToByteArray()).equals(Buffer.from(expected.tarGz)),
      ).toBe(true);
      expect(uploaded.ContentType).toBe('application/gzip');
      expect((await batch.readNamespacedJob({ name: job, namespace: t.buildNamespace })).metadata?.name).toBe(
        job,
      );
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in before)) delete process.env[key];
      Object.assign(process.env, before);
      await removeJob();
    }
  });
});
