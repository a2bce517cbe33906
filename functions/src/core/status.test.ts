import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { AgentRecord } from './agent-record.ts';
import { validateAgentConfig } from './agent-spec.ts';
import type { BuildStatus } from './build-status.ts';
import { emptyObserved, type Observed } from './observed.ts';
import { deriveStatus, podStatusOf } from './status.ts';

const spec = (() => {
  const result = validateAgentConfig({ name: 'agent', scaling: { replicas: 2 } });
  if (!result.ok) throw new Error('fixture');
  return result.spec;
})();

const record = (generation: number): AgentRecord => ({
  apiVersion: 'fleetplane.io/v1',
  name: 'agent',
  generation,
  specHash: 'h',
  spec,
  createdAt: '2026-11-24T00:00:00.000Z',
  updatedAt: '2026-11-24T00:00:00.000Z',
  cause: { kind: 'deploy' },
});

const labels = { 'fleetplane.io/agent': 'agent' };

function deployment(generation: number, status: V1Deployment['status'] = {}): V1Deployment {
  return {
    metadata: {
      name: 'agent',
      generation: 1,
      labels,
      annotations: { 'fleetplane.io/generation': String(generation) },
    },
    spec: {
      replicas: 2,
      selector: {},
      template: { spec: { containers: [{ name: 'agent', image: 'img:1' }] } },
    },
    status: { observedGeneration: 1, ...status },
  };
}

function pod(name: string, status: V1Pod['status']): V1Pod {
  return {
    metadata: { name, labels },
    spec: { containers: [{ name: 'agent' }], nodeName: 'kwok-node-0' },
    status,
  };
}

const ready = (name: string) =>
  pod(name, {
    phase: 'Running',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [
      { name: 'agent', image: 'img', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
    ],
  });

const observed = (parts: Partial<Observed>): Observed => ({ ...emptyObserved(), ...parts });
const status = (stored: AgentRecord | undefined, parts: Partial<Observed>) =>
  deriveStatus({ name: 'agent', record: stored, observed: observed(parts), url: 'https://host/agent/' });

describe('phase', () => {
  it('is Pending when stored and nothing is applied', () => {
    const result = status(record(1), {});
    expect(result.phase).toBe('Pending');
    expect(result.conditions).toContainEqual(
      expect.objectContaining({ type: 'Applied', status: 'False', reason: 'NotApplied' }),
    );
  });

  it('is Running when the stored generation is rolled out and every replica is ready', () => {
    const result = status(record(3), {
      deployments: [
        deployment(3, { replicas: 2, readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
      ],
      pods: [ready('a'), ready('b')],
    });
    expect(result).toMatchObject({
      phase: 'Running',
      generation: 3,
      appliedGeneration: 3,
      image: 'img:1',
      replicas: { desired: 2, ready: 2 },
    });
  });

  it('is Deploying while the cluster still runs an older generation', () => {
    const result = status(record(4), {
      deployments: [deployment(3, { readyReplicas: 2, updatedReplicas: 2 })],
    });
    expect(result.phase).toBe('Deploying');
    expect(result.conditions).toContainEqual(
      expect.objectContaining({ type: 'Applied', status: 'False', reason: 'Outdated' }),
    );
  });

  it('is Deploying while replicas are not all ready', () => {
    expect(
      status(record(1), { deployments: [deployment(1, { readyReplicas: 1, updatedReplicas: 2 })] }).phase,
    ).toBe('Deploying');
  });

  it.each([
    ['ImagePullBackOff', { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } }],
    ['CrashLoopBackOff', { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } }],
    [
      'CreateContainerConfigError',
      {
        waiting: { reason: 'CreateContainerConfigError', message: 'secret "fleetplane-provider" not found' },
      },
    ],
  ])('is Degraded with a pod in %s, naming the pod', (reason, state) => {
    const failing = pod('agent-x', {
      phase: 'Pending',
      containerStatuses: [{ name: 'agent', image: 'i', imageID: '', ready: false, restartCount: 3, state }],
    });
    const result = status(record(1), { deployments: [deployment(1)], pods: [failing] });
    expect(result.phase).toBe('Degraded');
    expect(result.conditions).toContainEqual(
      expect.objectContaining({ type: 'Degraded', status: 'True', reason }),
    );
    expect(result.pods?.[0]).toMatchObject({ name: 'agent-x', reason, restarts: 3 });
  });

  it('is Degraded when a container was OOMKilled, even while it runs again', () => {
    const oom = pod('agent-y', {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'agent',
          image: 'i',
          imageID: '',
          ready: true,
          restartCount: 1,
          state: { running: {} },
          lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
        },
      ],
    });
    expect(status(record(1), { deployments: [deployment(1)], pods: [oom] }).phase).toBe('Degraded');
  });

  it('is Failed when the rollout exceeded its progress deadline', () => {
    const stuck = deployment(1, {
      conditions: [
        { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' },
      ],
    });
    expect(status(record(1), { deployments: [stuck] }).phase).toBe('Failed');
  });

  it('is Deleting when objects remain but no config is stored', () => {
    const result = status(undefined, { deployments: [deployment(1)] });
    expect(result.phase).toBe('Deleting');
    expect(result.conditions[0]).toMatchObject({ type: 'Stored', status: 'False' });
  });

  it('is Building while the image builds, then BuildFailed with the reason, leaving what runs alone', () => {
    const build = (phase: BuildStatus['phase'], reason?: string): BuildStatus => ({
      tag: 'abc',
      job: 'build-abc',
      image: 'reg/agent-runtime:abc',
      phase,
      ...(reason ? { reason } : {}),
    });
    const first = (b: BuildStatus) =>
      deriveStatus({ name: 'agent', record: record(1), observed: emptyObserved(), url: '', build: b });
    expect(first(build('Pending')).phase).toBe('Building');
    expect(first(build('Running')).conditions).toContainEqual(
      expect.objectContaining({ type: 'Built', status: 'Unknown', reason: 'Building' }),
    );
    // Built, but not applied yet: still waiting for the image to run.
    expect(first(build('Succeeded')).phase).toBe('Building');
    const failed = first(build('Failed', 'error building image: exit 1'));
    expect(failed).toMatchObject({
      phase: 'BuildFailed',
      build: { job: 'build-abc', phase: 'Failed', reason: 'error building image: exit 1' },
    });
    expect(failed.conditions).toContainEqual(
      expect.objectContaining({ type: 'Built', status: 'False', reason: 'BuildFailed' }),
    );
    // An agent running generation 1 on an older image while generation 2 waits for a failed build.
    const older = status(record(2), { deployments: [deployment(1)], pods: [ready('a'), ready('b')] });
    expect(older.phase).toBe('Deploying');
    const waiting = deriveStatus({
      name: 'agent',
      record: record(2),
      observed: { ...emptyObserved(), deployments: [deployment(1)], pods: [ready('a'), ready('b')] },
      url: '',
      build: build('Failed', 'error building image: exit 1'),
    });
    expect(waiting.phase).toBe('BuildFailed');
    expect(waiting.image).toBe('img:1');
  });

  it('is Running on the built image, by tag and digest, with the build kept as history', () => {
    const built: BuildStatus = {
      tag: 'abc',
      job: 'build-abc',
      image: 'img',
      phase: 'Succeeded',
      digest: `sha256:${'1'.repeat(64)}`,
    };
    const onDigest = deployment(1, {
      readyReplicas: 2,
      updatedReplicas: 2,
      availableReplicas: 2,
    });
    (
      onDigest.spec as { template: { spec: { containers: { image: string }[] } } }
    ).template.spec.containers[0] = {
      image: `img@sha256:${'1'.repeat(64)}`,
    };
    const result = deriveStatus({
      name: 'agent',
      record: record(1),
      observed: { ...emptyObserved(), deployments: [onDigest], pods: [ready('a'), ready('b')] },
      url: '',
      build: built,
    });
    expect(result.phase).toBe('Running');
    expect(result.conditions).toContainEqual(
      expect.objectContaining({ type: 'Built', status: 'True', reason: 'ImageBuilt' }),
    );
  });
});

describe('pods and routing', () => {
  it('say whether a Gateway accepted the HTTPRoute', () => {
    const route = (conditions?: { type: string; status: string; reason?: string }[]) =>
      ({
        metadata: { name: 'agent', labels },
        status: conditions ? { parents: [{ conditions }] } : undefined,
      }) as never;
    expect(status(record(1), { httpRoutes: [route()] }).conditions).toContainEqual(
      expect.objectContaining({ type: 'Routed', status: 'Unknown', reason: 'WaitingForGateway' }),
    );
    expect(
      status(record(1), { httpRoutes: [route([{ type: 'Accepted', status: 'True', reason: 'Accepted' }])] })
        .conditions,
    ).toContainEqual(
      expect.objectContaining({
        type: 'Routed',
        status: 'True',
        message: 'the Gateway accepted the HTTPRoute',
      }),
    );
    expect(
      status(record(1), {
        httpRoutes: [route([{ type: 'Accepted', status: 'False', reason: 'NotAllowedByListeners' }])],
      }).conditions,
    ).toContainEqual(
      expect.objectContaining({ type: 'Routed', status: 'False', reason: 'NotAllowedByListeners' }),
    );
  });

  it('report an unschedulable pod with the scheduler reason', () => {
    const pending = pod('agent-z', {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message: '0/2 nodes are available',
        },
      ],
    });
    expect(podStatusOf(pending)).toMatchObject({
      reason: 'Unschedulable',
      message: '0/2 nodes are available',
      ready: false,
    });
  });

  it('say whether the Ingress has an address', () => {
    const ingress = (address?: string) => ({
      metadata: { name: 'agent', labels },
      status: { loadBalancer: { ingress: address ? [{ ip: address }] : [] } },
    });
    const waiting = status(record(1), { ingresses: [ingress()] });
    expect(waiting.conditions).toContainEqual(
      expect.objectContaining({ type: 'Routed', status: 'Unknown', reason: 'WaitingForAddress' }),
    );
    const served = status(record(1), { ingresses: [ingress('203.0.113.7')] });
    expect(served.conditions).toContainEqual(
      expect.objectContaining({
        type: 'Routed',
        status: 'True',
        message: 'the Ingress is served at 203.0.113.7',
      }),
    );
  });
});
