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
import { afterAll, describe, expect, it, vi } from 'vitest';
import { RegistryClient } from '../../functions/src/builds/registry.ts';
import { BUILD_LABEL } from '../../functions/src/core/agent-objects/build-job.ts';
import { shortTag } from '../../functions/src/core/image-ref.ts';
import type { Env } from '../../functions/src/wiring/env.ts';
import { pushTestImage, startService, stopService } from '../env/control.ts';
import { testEnv } from '../env/inject.ts';
import { adminCluster, harness, storeBlobs, waitFor } from '../support/control-plane-harness.ts';
import {
  FAILING_KANIKO_IMAGE,
  STAND_IN_KANIKO_IMAGE,
  startKanikoStandIn,
} from '../support/kaniko-stand-in.ts';
import { apiServerRequestCounts, minioRequestCounts, requestsBetween } from '../support/request-counts.ts';
import { testRuntime } from '../support/runtime-contexts.ts';

const t = testEnv();
const run = randomUUID().slice(0, 6);
const repo = `builds-${run}`;
const kaniko = startKanikoStandIn({ destinationPrefix: `${t.registry}/${repo}/` });
afterAll(() => kaniko.stop());

/** Builds on: no pinned image, this file's repository, the registry's credentials, the stand-in builder. */
const builds = (extra: Env = {}): Env => ({
  FLEETPLANE_RUNTIME_IMAGE: undefined,
  FLEETPLANE_REGISTRY: `${t.registry}/${repo}`,
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

    const pushed = await kaniko.pushed(runtime.tag);
    const running = await waitPhase(call, 'first', 'Running');
    console.log(
      `first deploy: answered Building in ${answeredMs} ms, Running ${((Date.now() - started) / 1000).toFixed(1)} s after the request`,
    );
    expect(running.image).toBe(`${imageOf(runtime.tag)}@${pushed.digest}`);
    expect(running.build).toMatchObject({ phase: 'Succeeded', digest: expect.stringMatching(/^sha256:/) });
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
    await waitFor('the build Job Complete', async () =>
      (await jobsOf(runtime.tag))[0]?.status?.conditions?.some((c) => c.type === 'Complete'),
    );
    // Built, but not in the registry yet: still Building, and the Deployment untouched.
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
    // The build is done and its image pushed; nothing has applied the agent yet.
    expect(await deploymentOf('late')).toBeUndefined();
    const read = await call('GET', '/deployments/late');
    expect(read.status).toBe(200);
    expect(['Deploying', 'Running']).toContain(read.json.phase);
    expect(await runningImage('late')).toMatch(new RegExp(`^${imageOf(runtime.tag)}@sha256:`));
    await waitPhase(call, 'late', 'Running');
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
    expect(uncached.registry).toEqual([
      `HEAD /v2/${repo}/agent-runtime/manifests/${shortTag(runtime.tag)}`,
      `HEAD /v2/${repo}/agent-runtime/manifests/${shortTag(runtime.tag)}`,
    ]);
    expect(uncached.kube['POST jobs']).toBe(1);
    expect(uncached.kube['LIST jobs']).toBe(1);
    expect(uncached.kube['LIST pods']).toBe(2); // the agent's and the build's
    // The record is read and written; the context is looked for and uploaded.
    expect(uncached.s3).toEqual({ GetObject: 1, PutObject: 2, ListObjectsV2: 1 });

    // What a finished build leaves: a Complete Job and the image. A process that has not seen
    // the image yet (a cold function) asks the registry once.
    await waitFor('the build Job Complete', async () =>
      (await jobsOf(runtime.tag))[0]?.status?.conditions?.some((c) => c.type === 'Complete'),
    );
    await pushTestImage(t.registry, `${repo}/agent-runtime`, shortTag(runtime.tag));
    const present = await measure('cost-b');
    expect(present.registry).toEqual([`HEAD /v2/${repo}/agent-runtime/manifests/${shortTag(runtime.tag)}`]);
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
            'image not in registry (a build is dispatched)': uncached,
            'image in registry, first lookup': present,
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
      await kaniko.pause(true);
      expect((await call('POST', '/deploy', { name: 'outage' })).json.deployment.phase).toBe('Building');
      await waitFor('the build Job Complete', async () =>
        (await jobsOf(runtime.tag))[0]?.status?.conditions?.some((c) => c.type === 'Complete'),
      );
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
      await kaniko.pause(false);
      await kaniko.pushed(runtime.tag);
      await waitPhase(call, 'outage', 'Running');
    },
  );

  it('gc lists contexts and images no agent uses, deletes them only when asked, and keeps what runs', async () => {
    // `first` moved from runtime a to c to d; nothing runs a or c any more.
    const [a, c, d] = await Promise.all([
      testRuntime(`${run}-a`),
      testRuntime(`${run}-c`),
      testRuntime(`${run}-d`),
    ]);
    const { call } = harness(builds({ FLEETPLANE_STORE: store }), { runtimeContext: d.source });
    const listed = await call('GET', '/gc');
    expect(listed.status).toBe(200);
    expect(listed.json.dryRun).toBe(true);
    const found = (listed.json.unreferenced as { kind: string; tag: string; deleted: boolean }[]).map(
      (item) => `${item.kind} ${shortTag(item.tag)} ${item.deleted}`,
    );
    // The five agents moved off runtime `five` too; its context is in their store, not this one.
    const five = await testRuntime(`${run}-five`);
    expect(found.sort()).toEqual(
      [
        `context ${shortTag(a.tag)} false`,
        `context ${shortTag(c.tag)} false`,
        `image ${shortTag(a.tag)} false`,
        `image ${shortTag(c.tag)} false`,
        `image ${shortTag(five.tag)} false`,
      ].sort(),
    );
    expect(listed.json.kept).toContain(shortTag(d.tag));
    const registry = new RegistryClient({
      credentials: () => (t.registryAuth ? { ...t.registryAuth } : undefined),
    });
    const head = (tag: string) => registry.manifestDigest(t.registry, `${repo}/agent-runtime`, shortTag(tag));
    expect(await head(a.tag)).toMatch(/^sha256:/);

    // A body that is not {"dryRun": false} deletes nothing.
    expect(
      (await call('POST', '/gc', {})).json.unreferenced.every((i: { deleted: boolean }) => !i.deleted),
    ).toBe(true);
    const deleted = await call('POST', '/gc', { dryRun: false });
    expect(deleted.status).toBe(200);
    expect(deleted.json.unreferenced.map((i: { deleted: boolean }) => i.deleted)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(deleted.json.notes.join(' ')).toMatch(/garbage-collection start/);
    expect(await head(a.tag)).toBeUndefined();
    expect(await head(c.tag)).toBeUndefined();
    expect(await head(d.tag)).toMatch(/^sha256:/);
    expect((await storeBlobs(harness({ FLEETPLANE_STORE: store }).env).list('builds/')).keys).toEqual([
      `builds/${d.tag}.tar.gz`,
    ]);
    expect((await call('GET', '/gc')).json.unreferenced).toEqual([]);
    expect(await phaseOf(call, 'first')).toBe('Running');
  });
});
