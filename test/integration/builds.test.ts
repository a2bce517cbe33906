/**
 * In-cluster image builds against the real test environment: the control plane uploads the
 * build context to MinIO and verifies it by its SHA-256, creates the Kaniko Job in the builds
 * namespace of the real API server, pins agents to the digest the Job reported, and asks the
 * real registry (basic auth) whether that digest is there.
 *
 * Kaniko itself cannot run here: test/support/kaniko-stand-in.ts stands in for it (a MOCK of
 * Kaniko's build and push): it pushes a small image under the Job's destination with crane and
 * writes the pushed digest on the pod, and kwok then completes the pod with that digest as its
 * termination message, as Kaniko's --digest-file leaves it (a Kaniko image tagged `:fail` fails
 * with Kaniko's error line instead). Each test deploys a runtime of its own
 * (test/support/runtime-contexts.ts), so it never finds an image another test built.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BatchV1Api, KubeConfig, type V1Job } from '@kubernetes/client-node';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { RegistryClient } from '../../functions/src/builds/registry.ts';
import { BUILD_LABEL } from '../../functions/src/core/agent-objects/build-job.ts';
import { shortTag } from '../../functions/src/core/image-ref.ts';
import type { Env } from '../../functions/src/wiring/env.ts';
import { pushTestImage, startService, stopService, tagTestImage } from '../env/control.ts';
import { testRegistry } from '../env/control-plane-identity.ts';
import { testEnv } from '../env/inject.ts';
import { adminCluster, harness, sha256, storeBlobs, waitFor } from '../support/control-plane-harness.ts';
import {
  FAILING_KANIKO_IMAGE,
  SILENT_KANIKO_IMAGE,
  STAND_IN_KANIKO_IMAGE,
  startKanikoStandIn,
} from '../support/kaniko-stand-in.ts';
import { apiServerRequestCounts, minioRequestCounts, requestsBetween } from '../support/request-counts.ts';
import { testRuntime } from '../support/runtime-contexts.ts';

const t = testEnv();
const run = randomUUID().slice(0, 6);
// One of the repositories the admission policy admits; each test's runtime (a tag of its own)
// keeps it apart from earlier runs' images there.
const repo = 'builds';
const kaniko = startKanikoStandIn({ destinationPrefix: `${testRegistry(t.registry, repo)}/` });
afterAll(() => kaniko.stop());
// A test that failed while the stand-in was paused must not leave the next one's builds hanging.
afterEach(() => kaniko.pause(false));

/** Builds on: no pinned image, this file's repository, the registry's credentials, the stand-in builder. */
const builds = (extra: Env = {}): Env => ({
  FLEETPLANE_RUNTIME_IMAGE: undefined,
  FLEETPLANE_REGISTRY: testRegistry(t.registry, repo),
  FLEETPLANE_KANIKO_IMAGE: STAND_IN_KANIKO_IMAGE,
  FLEETPLANE_REGISTRY_DOCKER_CONFIG: t.registryDockerConfig ?? undefined,
  ...extra,
});

const batch = (() => {
  const config = new KubeConfig();
  config.loadFromString(readFileSync(t.kubeconfigPath, 'utf8'));
  return config.makeApiClient(BatchV1Api);
})();

async function jobsOf(tag: string): Promise<V1Job[]> {
  const { items } = await batch.listNamespacedJob({
    namespace: t.buildNamespace,
    labelSelector: `${BUILD_LABEL}=${shortTag(tag)}`,
  });
  return items.filter((job) => !job.metadata?.deletionTimestamp);
}

const jobComplete = (tag: string) =>
  waitFor(`the build Job of ${shortTag(tag)} Complete`, async () =>
    (await jobsOf(tag))[0]?.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'),
  );

const imageOf = (tag: string) => `${t.registry}/${repo}/agent-runtime:${shortTag(tag)}`;

async function deploymentOf(name: string) {
  return (await adminCluster().observe({ agent: name })).deployments[0];
}
const runningImage = async (name: string) =>
  (await deploymentOf(name))?.spec?.template.spec?.containers[0]?.image;

type Call = ReturnType<typeof harness>['call'];
const phaseOf = async (call: Call, name: string) => (await call('GET', `/deployments/${name}`)).json.phase;
const waitPhase = (call: Call, name: string, phase: string, timeoutMs = 60_000) =>
  waitFor(
    `${name} ${phase}`,
    async () => {
      const { json } = await call('GET', `/deployments/${name}`);
      return json.phase === phase && json;
    },
    timeoutMs,
  );

describe('in-cluster image builds (kwok plays Kaniko, the test pushes what it would leave)', () => {
  // One store for the agent `first`, whose runtime changes from test to test.
  const store = `s3://${t.s3.bucket}/builds-${run}`;
  // The store of the five agents, which a control plane upgrade later moves to another runtime.
  const fiveStore = `s3://${t.s3.bucket}/builds-five-${run}`;
  const names = [1, 2, 3, 4, 5].map((n) => `five-${n}`);

  it('a first deploy builds once: Building at once, one Job, the context uploaded; then Running by digest', async () => {
    const runtime = await testRuntime(`${run}-a`);
    const { call, env } = harness(builds({ FLEETPLANE_STORE: store }), { runtimeContext: runtime.source });
    const started = Date.now();
    const { status, json } = await call('POST', '/deploy', { name: 'first' });
    const answeredMs = Date.now() - started;
    expect(status).toBe(201);
    expect(json.deployment.phase).toBe('Building');
    expect(json.deployment.build).toMatchObject({
      tag: runtime.tag,
      job: `build-${shortTag(runtime.tag)}`,
      image: imageOf(runtime.tag),
      phase: 'Pending',
    });
    expect(json.deployment.conditions).toContainEqual(
      expect.objectContaining({ type: 'Built', status: 'Unknown', reason: 'Building' }),
    );
    // Nothing of the agent is applied while its image builds.
    expect(await deploymentOf('first')).toBeUndefined();
    const [job] = await jobsOf(runtime.tag);
    expect((await jobsOf(runtime.tag)).length).toBe(1);
    expect(job?.spec?.template.spec?.containers[0]?.args).toContain(
      `--context=s3://${t.s3.bucket}/builds-${run}/builds/${runtime.tag}.tar.gz`,
    );
    expect((await storeBlobs(env).list('builds/')).keys).toEqual([`builds/${runtime.tag}.tar.gz`]);
    // The Job carries the SHA-256 of the context the control plane verified in the bucket.
    expect(job?.metadata?.annotations?.['fleetplane.io/context-sha256']).toBe(sha256(await runtime.tarGz()));

    const pushed = await kaniko.pushed(runtime.tag);
    const running = await waitPhase(call, 'first', 'Running');
    console.log(
      `first deploy: answered Building in ${answeredMs} ms, Running ${((Date.now() - started) / 1000).toFixed(1)} s after the request`,
    );
    // Pinned to the digest the build Job reported (the stand-in reports what it pushed).
    expect(running.image).toBe(`${imageOf(runtime.tag)}@${pushed.digest}`);
    expect(running.build).toMatchObject({ phase: 'Succeeded', digest: pushed.digest });
    // ...and recorded beside the context, for later reads and for gc.
    expect((await storeBlobs(env).list('builds/')).keys).toEqual([
      `builds/${runtime.tag}.tar.gz`,
      expect.stringMatching(/^builds\/images\/[0-9a-f]{32}\.json$/),
    ]);
    expect((await jobsOf(runtime.tag)).map((j) => j.metadata?.uid)).toEqual([job?.metadata?.uid]);

    // The build's log, as Kaniko wrote it (kwok serves it as a kubelet would).
    const logs = await call('GET', '/deployments/first/logs?build=true&tail=3');
    expect(logs.status).toBe(200);
    expect(logs.json.pods).toHaveLength(1);
    expect(logs.json.pods[0]).toMatchObject({ container: 'kaniko' });
    expect(logs.json.pods[0].lines).toHaveLength(3);
    for (const line of logs.json.pods[0].lines) expect(line).toMatch(/^INFO\[\d{4}\] /);
  });

  it('five agents on one runtime make one Job, and all of them run its image', async () => {
    const runtime = await testRuntime(`${run}-five`);
    const { call } = harness(builds({ FLEETPLANE_STORE: fiveStore }), { runtimeContext: runtime.source });
    const { status, json } = await call('POST', '/deploy', { agents: names.map((name) => ({ name })) });
    expect(status).toBe(201);
    expect(json.results.map((r: { deployment: { phase: string } }) => r.deployment.phase)).toEqual(
      names.map(() => 'Building'),
    );
    expect((await jobsOf(runtime.tag)).length).toBe(1);
    const pushed = await kaniko.pushed(runtime.tag);
    await waitFor('five agents Running', async () => {
      const listed = (await call('GET', '/deployments')).json.deployments as {
        name: string;
        phase: string;
      }[];
      return names.every((name) => listed.find((d) => d.name === name)?.phase === 'Running');
    });
    for (const name of names)
      expect(await runningImage(name)).toBe(`${imageOf(runtime.tag)}@${pushed.digest}`);
    expect((await jobsOf(runtime.tag)).length).toBe(1);
  });

  it('a prompt change makes no Job and asks no registry; the pods roll', async () => {
    const runtime = await testRuntime(`${run}-a`);
    const { call } = harness(builds({ FLEETPLANE_STORE: store }), { runtimeContext: runtime.source });
    const jobsBefore = (await jobsOf(runtime.tag)).map((j) => j.metadata?.uid);
    const image = await runningImage('first');
    const podsBefore = (await call('GET', '/deployments/first')).json.pods.map(
      (p: { name: string }) => p.name,
    );
    const fetches = vi.spyOn(globalThis, 'fetch');
    const { status, json } = await call('POST', '/deploy', {
      name: 'first',
      instruction: 'Answer in French.',
    });
    const registryCalls = fetches.mock.calls.filter(([url]) => String(url).includes(t.registry)).length;
    fetches.mockRestore();
    expect(status).toBe(200);
    expect(json).toMatchObject({ outcome: 'updated', generation: 2 });
    expect(json.deployment.phase).not.toBe('Building');
    expect(registryCalls).toBe(0);
    await waitFor('the pods to roll', async () => {
      const { json: now } = await call('GET', '/deployments/first');
      const names = now.pods.map((p: { name: string }) => p.name);
      return now.phase === 'Running' && names.every((n: string) => !podsBefore.includes(n));
    });
    expect(await runningImage('first')).toBe(image);
    expect((await jobsOf(runtime.tag)).map((j) => j.metadata?.uid)).toEqual(jobsBefore);
  });

  it('a runtime change makes one new Job, and the running agent is left alone until its image is built', async () => {
    const runtime = await testRuntime(`${run}-c`);
    const { call } = harness(builds({ FLEETPLANE_STORE: store }), { runtimeContext: runtime.source });
    const before = await deploymentOf('first');
    await kaniko.pause(true);
    const { status, json } = await call('POST', '/deploy', {
      name: 'first',
      instruction: 'Answer in French.',
    });
    expect(status).toBe(200);
    expect(json.outcome).toBe('unchanged');
    expect(json.deployment.phase).toBe('Building');
    expect((await jobsOf(runtime.tag)).length).toBe(1);
    await waitFor('the build pod running', async () =>
      (await call('GET', '/deployments/first')).json.build?.phase === 'Running' ? true : undefined,
    );
    // Building (Kaniko has not pushed yet): still Building, and the Deployment untouched.
    expect(await phaseOf(call, 'first')).toBe('Building');
    expect((await deploymentOf('first'))?.metadata?.resourceVersion).toBe(before?.metadata?.resourceVersion);
    await kaniko.pause(false);
    const pushed = await kaniko.pushed(runtime.tag);
    await waitPhase(call, 'first', 'Running');
    expect(await runningImage('first')).toBe(`${imageOf(runtime.tag)}@${pushed.digest}`);
    expect((await jobsOf(runtime.tag)).length).toBe(1);
  });

  it('a failed build shows BuildFailed with its reason, leaves the running Deployment alone, and only a deploy retries it', async () => {
    const runtime = await testRuntime(`${run}-d`);
    const failing = harness(
      builds({ FLEETPLANE_STORE: store, FLEETPLANE_KANIKO_IMAGE: FAILING_KANIKO_IMAGE }),
      {
        runtimeContext: runtime.source,
      },
    );
    const before = await deploymentOf('first');
    expect(
      (await failing.call('POST', '/deploy', { name: 'first', instruction: 'Answer in French.' })).json
        .deployment.phase,
    ).toBe('Building');
    const failed = await waitPhase(failing.call, 'first', 'BuildFailed');
    expect(failed.build).toMatchObject({
      phase: 'Failed',
      reason: expect.stringMatching(/^error building image: /),
    });
    expect(failed.conditions).toContainEqual(
      expect.objectContaining({ type: 'Built', status: 'False', reason: 'BuildFailed' }),
    );
    expect(failed.image).toBe(before?.spec?.template.spec?.containers[0]?.image);
    const [job] = await jobsOf(runtime.tag);
    // Reads and the sweep never retry it.
    await failing.call('GET', '/deployments');
    await failing.call('GET', '/deployments/first');
    const swept = await (await failing.providers.controlPlane()).sweep();
    expect(swept.results.find((r) => r.name === 'first')?.action).toBe('building');
    expect((await jobsOf(runtime.tag)).map((j) => j.metadata?.uid)).toEqual([job?.metadata?.uid]);
    expect((await deploymentOf('first'))?.metadata?.resourceVersion).toBe(before?.metadata?.resourceVersion);

    // Fixed (a builder that works), deploying the same config again replaces the failed Job.
    const fixed = harness(builds({ FLEETPLANE_STORE: store }), { runtimeContext: runtime.source });
    const again = await fixed.call('POST', '/deploy', { name: 'first', instruction: 'Answer in French.' });
    expect(again.json.deployment.phase).toBe('Building');
    const replaced = await jobsOf(runtime.tag);
    expect(replaced).toHaveLength(1);
    expect(replaced[0]?.metadata?.uid).not.toBe(job?.metadata?.uid);
    const pushed = await kaniko.pushed(runtime.tag);
    await waitPhase(fixed.call, 'first', 'Running');
    expect(await runningImage('first')).toBe(`${imageOf(runtime.tag)}@${pushed.digest}`);
  });

  it('a status read finishes a deploy whose build completed after the request returned, with no sweep', async () => {
    const runtime = await testRuntime(`${run}-e`);
    const { call } = harness(builds(), { runtimeContext: runtime.source });
    expect((await call('POST', '/deploy', { name: 'late' })).json.deployment.phase).toBe('Building');
    await kaniko.pushed(runtime.tag);
    await jobComplete(runtime.tag);
    // The build is done and its image pushed; nothing has applied the agent yet.
    expect(await deploymentOf('late')).toBeUndefined();
    const read = await call('GET', '/deployments/late');
    expect(read.status).toBe(200);
    expect(['Deploying', 'Running']).toContain(read.json.phase);
    expect(await runningImage('late')).toMatch(new RegExp(`^${imageOf(runtime.tag)}@sha256:`));
    await waitPhase(call, 'late', 'Running');
  });

  // The attack on the old code: a context placed under the key before the first build was used
  // as it was, because the key existed; Kaniko would have built whatever it held.
  it('a context planted in the bucket before the first build is replaced, verified and reported before the Job exists', async () => {
    const runtime = await testRuntime(`${run}-planted`);
    const { call, env } = harness(builds(), { runtimeContext: runtime.source });
    const key = `builds/${runtime.tag}.tar.gz`;
    const planted = new TextEncoder().encode('FROM attacker.example/backdoor\n');
    await storeBlobs(env).put(key, planted, { ifNoneMatch: '*' }, { contentType: 'application/gzip' });
    const { json } = await call('POST', '/deploy', { name: 'planted' });
    expect(json.deployment.phase).toBe('Building');
    const stored = await storeBlobs(env).getBytes(key);
    expect(sha256(stored?.bytes ?? new Uint8Array())).toBe(sha256(await runtime.tarGz()));
    const [job] = await jobsOf(runtime.tag);
    expect(job?.metadata?.annotations?.['fleetplane.io/context-sha256']).toBe(sha256(await runtime.tarGz()));
    await kaniko.pushed(runtime.tag);
    await waitPhase(call, 'planted', 'Running');
    expect((await call('DELETE', '/deployments/planted')).status).toBe(200);
  });

  // The attack on the old code: whatever digest the registry held under the tag was pinned, so a
  // push over the tag between the build and the apply put someone else's image on every agent.
  it('pins the digest the build Job reported, not the image someone pushed over the tag since', async () => {
    const runtime = await testRuntime(`${run}-retag`);
    const { call } = harness(builds(), { runtimeContext: runtime.source });
    expect((await call('POST', '/deploy', { name: 'retagged' })).json.deployment.phase).toBe('Building');
    const built = await kaniko.pushed(runtime.tag);
    await jobComplete(runtime.tag);
    const over = await pushTestImage(
      t.registry,
      `${repo}/agent-runtime`,
      shortTag(runtime.tag),
      undefined,
      'not ours',
    );
    expect(over.digest).not.toBe(built.digest);
    await waitPhase(call, 'retagged', 'Running');
    expect(await runningImage('retagged')).toBe(`${imageOf(runtime.tag)}@${built.digest}`);
    expect((await call('DELETE', '/deployments/retagged')).status).toBe(200);
  });

  it('a build that reports no digest fails, and nothing is pinned to what the registry holds under its tag', async () => {
    const runtime = await testRuntime(`${run}-silent`);
    const { call } = harness(builds({ FLEETPLANE_KANIKO_IMAGE: SILENT_KANIKO_IMAGE }), {
      runtimeContext: runtime.source,
    });
    expect((await call('POST', '/deploy', { name: 'silent' })).json.deployment.phase).toBe('Building');
    // The image is there under the tag (pushed by anyone), but no build of this store reported it.
    await pushTestImage(t.registry, `${repo}/agent-runtime`, shortTag(runtime.tag));
    const failed = await waitPhase(call, 'silent', 'BuildFailed');
    expect(failed.build).toMatchObject({
      phase: 'Failed',
      reason: expect.stringMatching(/finished without reporting the image's digest/),
    });
    expect(await deploymentOf('silent')).toBeUndefined();
    expect((await call('DELETE', '/deployments/silent')).status).toBe(200);
  });

  it('two concurrent deploys of new agents, by two control planes, still make one Job', async () => {
    const runtime = await testRuntime(`${run}-f`);
    const one = harness(builds(), { runtimeContext: runtime.source });
    const two = harness(builds({ FLEETPLANE_STORE: one.env.FLEETPLANE_STORE }), {
      runtimeContext: runtime.source,
    });
    const [a, b] = await Promise.all([
      one.call('POST', '/deploy', { name: 'race-a' }),
      two.call('POST', '/deploy', { name: 'race-b' }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect([a.json.deployment.phase, b.json.deployment.phase]).toEqual(['Building', 'Building']);
    expect(a.json.deployment.build.job).toBe(b.json.deployment.build.job);
    expect((await jobsOf(runtime.tag)).length).toBe(1);
    expect((await storeBlobs(one.env).list('builds/')).keys).toEqual([`builds/${runtime.tag}.tar.gz`]);
    await kaniko.pushed(runtime.tag);
    await waitPhase(one.call, 'race-a', 'Running');
    await waitPhase(two.call, 'race-b', 'Running');
  });

  it('counts what one deploy costs: registry, S3 and Kubernetes calls, image uncached and cached', async () => {
    const runtime = await testRuntime(`${run}-g`);
    const { call, providers } = harness(builds(), { runtimeContext: runtime.source });
    // A warm process: the store's fleet exists and its conditional writes were verified once
    // (a process's first write costs 4 more PutObject and a DeleteObject for that).
    await (await providers.store()).ensureFleet();
    await kaniko.pause(true);
    const measure = async (name: string) => {
      const fetches = vi.spyOn(globalThis, 'fetch');
      const [kube, s3] = await Promise.all([
        apiServerRequestCounts(t.kubeconfigPath),
        minioRequestCounts(t.s3, { bucket: t.s3.bucket }),
      ]);
      const { json } = await call('POST', '/deploy', { name });
      const [kubeAfter, s3After] = await Promise.all([
        apiServerRequestCounts(t.kubeconfigPath),
        minioRequestCounts(t.s3, { bucket: t.s3.bucket }),
      ]);
      const registry = fetches.mock.calls
        .map(
          ([url, init]) =>
            `${(init as RequestInit | undefined)?.method ?? 'GET'} ${new URL(String(url)).pathname}`,
        )
        .filter((line) => line.includes('/v2/'));
      fetches.mockRestore();
      const kubeDelta = requestsBetween(kube, kubeAfter);
      // Only what the control plane asks for: lists and writes of its kinds (not the controllers'
      // and kwok's work that the new objects cause, such as the Job's and ReplicaSet's POST pods).
      const ours = Object.fromEntries(
        Object.entries(kubeDelta).filter(
          ([key]) =>
            /^(LIST|POST|APPLY|PATCH|DELETE|GET) (configmaps|deployments|services|ingresses|httproutes|horizontalpodautoscalers|poddisruptionbudgets|networkpolicies|pods|jobs)$/.test(
              key,
            ) && key !== 'POST pods',
        ),
      );
      return { phase: json.deployment.phase, registry, kube: ours, s3: requestsBetween(s3, s3After) };
    };
    const uncached = await measure('cost-a');
    expect(uncached.phase).toBe('Building');
    // Nothing this store built yet, and no build: the registry is not asked (its tag proves nothing).
    expect(uncached.registry).toEqual([]);
    expect(uncached.kube['POST jobs']).toBe(1);
    expect(uncached.kube['LIST jobs']).toBe(1);
    expect(uncached.kube['LIST pods']).toBe(2); // the agent's and the build's
    // A new name (the cluster shows nothing of it) is created without a read first; the build
    // record is read; the agent's record is written; the context is looked for, uploaded and read
    // back to verify its SHA-256.
    expect(uncached.s3).toEqual({ GetObject: 3, PutObject: 2 });

    // The stand-in pushes and reports the digest; the Job completes. A process that has not seen
    // the image yet (a cold function) checks the reported digest in the registry once, and
    // records it.
    await kaniko.pause(false);
    const built = await kaniko.pushed(runtime.tag);
    await jobComplete(runtime.tag);
    await kaniko.pause(true);
    const present = await measure('cost-b');
    // The process's first request to the registry meets its 401 challenge, and goes again with
    // the credentials (kept for the requests after it).
    expect(present.registry).toEqual([
      `HEAD /v2/${repo}/agent-runtime/manifests/${built.digest}`,
      `HEAD /v2/${repo}/agent-runtime/manifests/${built.digest}`,
    ]);
    expect(present.s3.PutObject).toBe(2); // the agent's record and the build record
    // The same process again (a warm function): the positive answer is kept.
    const cached = await measure('cost-c');
    expect(cached.registry).toEqual([]);
    expect(cached.kube['POST jobs']).toBeUndefined();
    // Nor does it look at the build: one list call per kind of the agent, and its applies.
    expect(cached.kube['LIST jobs']).toBeUndefined();
    expect(cached.kube['LIST pods']).toBe(1);
    await kaniko.pause(false);
    console.log(
      'one deploy of a new agent costs:\n' +
        JSON.stringify(
          {
            'nothing built yet (a build is dispatched)': uncached,
            'built, first lookup of the reported digest': present,
            'image known (warm)': cached,
          },
          null,
          2,
        ),
    );
  });

  it('after an upgrade that changes the runtime, the sweep alone builds it once and moves every agent onto it', async () => {
    const upgraded = await testRuntime(`${run}-five-upgraded`);
    const { call, providers } = harness(builds({ FLEETPLANE_STORE: fiveStore }), {
      runtimeContext: upgraded.source,
    });
    const controlPlane = await providers.controlPlane();
    const first = await controlPlane.sweep();
    expect(first.results.map((r) => `${r.name} ${r.action}`)).toEqual(names.map((n) => `${n} building`));
    expect((await jobsOf(upgraded.tag)).length).toBe(1);
    // Meanwhile every agent still runs the old runtime, untouched.
    for (const name of names) expect(await runningImage(name)).not.toContain(shortTag(upgraded.tag));
    const pushed = await kaniko.pushed(upgraded.tag);
    await jobComplete(upgraded.tag);
    const second = await controlPlane.sweep();
    expect(second.results.map((r) => `${r.name} ${r.action}`)).toEqual(names.map((n) => `${n} applied`));
    for (const name of names)
      expect(await runningImage(name)).toBe(`${imageOf(upgraded.tag)}@${pushed.digest}`);
    expect((await jobsOf(upgraded.tag)).length).toBe(1);
    await waitFor('five agents Running again', async () => {
      const listed = (await call('GET', '/deployments')).json.deployments as {
        name: string;
        phase: string;
      }[];
      return names.every((name) => listed.find((d) => d.name === name)?.phase === 'Running');
    });
  });

  it('a sweep with nothing to do asks no registry, lists no build and writes nothing', async () => {
    const upgraded = await testRuntime(`${run}-five-upgraded`);
    const { providers } = harness(builds({ FLEETPLANE_STORE: fiveStore }), {
      runtimeContext: upgraded.source,
    });
    await kaniko.pause(true);
    const fetches = vi.spyOn(globalThis, 'fetch');
    const before = await apiServerRequestCounts(t.kubeconfigPath);
    const report = await (await providers.controlPlane()).sweep();
    const delta = requestsBetween(before, await apiServerRequestCounts(t.kubeconfigPath));
    const registryCalls = fetches.mock.calls.filter(([url]) => String(url).includes(t.registry)).length;
    fetches.mockRestore();
    await kaniko.pause(false);
    expect(report.results.map((r) => r.action)).toEqual(names.map(() => 'unchanged'));
    expect(registryCalls).toBe(0);
    expect(delta['LIST jobs']).toBeUndefined();
    // Writes of the kinds the control plane manages (controllers' events and status updates are theirs).
    const ours = Object.keys(delta).filter((key) =>
      /^(APPLY|PATCH|POST|PUT|DELETE) (configmaps|deployments|services|ingresses|httproutes|horizontalpodautoscalers|poddisruptionbudgets|networkpolicies|jobs)$/.test(
        key,
      ),
    );
    expect(ours).toEqual([]);
  });

  it.skipIf(!t.local.registry)(
    'a status read whose finishing fails (registry down) still answers, and says why in Applied',
    async () => {
      const runtime = await testRuntime(`${run}-h`);
      const { call } = harness(builds(), { runtimeContext: runtime.source });
      expect((await call('POST', '/deploy', { name: 'outage' })).json.deployment.phase).toBe('Building');
      await kaniko.pushed(runtime.tag);
      await jobComplete(runtime.tag);
      await stopService('registry');
      let read: Awaited<ReturnType<Call>>;
      try {
        read = await call('GET', '/deployments/outage');
      } finally {
        await startService('registry');
      }
      expect(read.status).toBe(200);
      expect(read.json.phase).toBe('Building');
      expect(read.json.conditions).toContainEqual(
        expect.objectContaining({
          type: 'Applied',
          status: 'False',
          reason: 'FinishFailed',
          message: expect.stringMatching(/^applying the built image failed: the registry is unreachable/),
        }),
      );
      await waitPhase(call, 'outage', 'Running');
    },
  );

  // The attacks on the old gc: it deleted by digest, so `stable` naming a build's image went with
  // it, and it deleted every content-like tag of the repository, another fleet's builds included.
  it('gc deletes only tags this store built, by tag, once old enough, never an image another tag names; the dry run lists what the real run deletes', async () => {
    // `first` moved from runtime a to c to d; nothing runs a or c any more. The five agents'
    // store built runtime `five`, which nothing runs either: it is theirs, not this store's.
    const [a, c, d, five] = await Promise.all([
      testRuntime(`${run}-a`),
      testRuntime(`${run}-c`),
      testRuntime(`${run}-d`),
      testRuntime(`${run}-five`),
    ]);
    const registry = new RegistryClient({
      credentials: () => (t.registryAuth ? { ...t.registryAuth } : undefined),
    });
    const head = (tag: string) => registry.manifestDigest(t.registry, `${repo}/agent-runtime`, tag);
    // Someone tags runtime a's image `stable` (the same digest under another name).
    await tagTestImage(t.registry, `${repo}/agent-runtime`, shortTag(a.tag), `stable-${run}`);
    const stable = await head(`stable-${run}`);
    expect(stable).toBe(await head(shortTag(a.tag)));
    const summary = (items: { kind: string; tag: string }[]) =>
      items.map((item) => `${item.kind} ${shortTag(item.tag)}`).sort();

    // With the default minimum age (a day), this store's fresh builds are listed as left alone.
    const young = harness(builds({ FLEETPLANE_STORE: store }), { runtimeContext: d.source });
    const waiting = await young.call('GET', '/gc');
    expect(waiting.status).toBe(200);
    expect(waiting.json).toMatchObject({ dryRun: true, minAgeSeconds: 86_400 });
    expect(summary(waiting.json.unreferenced)).toEqual(
      [`context ${shortTag(a.tag)}`, `context ${shortTag(c.tag)}`].sort(),
    );
    expect(waiting.json.skipped.map((item: { reason: string }) => item.reason).join('\n')).toMatch(
      /younger than the minimum age of 86400 s \(FLEETPLANE_GC_MIN_AGE_SECONDS\)/,
    );
    expect(waiting.json.kept).toContain(shortTag(d.tag));

    // Old enough (minimum age 0): the image of c goes; a's stays, since `stable` names it too.
    const { call } = harness(builds({ FLEETPLANE_STORE: store, FLEETPLANE_GC_MIN_AGE_SECONDS: '0' }), {
      runtimeContext: d.source,
    });
    const listed = await call('GET', '/gc');
    expect(summary(listed.json.unreferenced)).toEqual(
      [`context ${shortTag(a.tag)}`, `context ${shortTag(c.tag)}`, `image ${shortTag(c.tag)}`].sort(),
    );
    expect(listed.json.skipped).toEqual([
      {
        name: `${t.registry}/${repo}/agent-runtime:${shortTag(a.tag)}`,
        reason: `its image is also tagged stable-${run}`,
      },
    ]);
    // A body that is not {"dryRun": false} deletes nothing.
    expect(
      (await call('POST', '/gc', {})).json.unreferenced.every((i: { deleted: boolean }) => !i.deleted),
    ).toBe(true);
    const deleted = await call('POST', '/gc', { dryRun: false });
    expect(deleted.status).toBe(200);
    // Exactly what the dry run listed, every one of them deleted.
    const undeleted = (items: { deleted: boolean }[]) => items.map((item) => ({ ...item, deleted: false }));
    expect(undeleted(deleted.json.unreferenced)).toEqual(undeleted(listed.json.unreferenced));
    expect(deleted.json.unreferenced.every((i: { deleted: boolean }) => i.deleted)).toBe(true);
    expect(deleted.json.notes.join(' ')).toMatch(/garbage-collection start/);

    expect(await head(shortTag(c.tag))).toBeUndefined();
    expect(await head(shortTag(a.tag))).toBe(stable);
    expect(await head(`stable-${run}`)).toBe(stable);
    expect(await head(shortTag(d.tag))).toMatch(/^sha256:/);
    expect(await head(shortTag(five.tag))).toMatch(/^sha256:/);
    const keys = (await storeBlobs(harness({ FLEETPLANE_STORE: store }).env).list('builds/')).keys;
    expect(keys.filter((key) => key.endsWith('.tar.gz'))).toEqual([`builds/${d.tag}.tar.gz`]);
    expect(keys.filter((key) => key.startsWith('builds/images/'))).toHaveLength(2); // a's and d's
    expect((await call('GET', '/gc')).json.unreferenced).toEqual([]);
    expect(await phaseOf(call, 'first')).toBe('Running');
  });
});
