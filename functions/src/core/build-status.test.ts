import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { buildStatusOf, reasonLine } from './build-status.ts';

const TAG = 'cb843678afbed4f0d97cd0012c020d37f0f25082a1572dc7dfaa510ef3552403';
const IMAGE = 'reg.example.com/acme/agent-runtime:cb843678afbe';
const DIGEST = `sha256:${'c'.repeat(64)}`;

function job(status: V1Job['status'] = {}, extra: Partial<V1Job['metadata']> = {}): V1Job {
  return {
    metadata: {
      name: 'build-cb843678afbe',
      uid: 'job-1',
      creationTimestamp: new Date('2026-11-25T10:00:00Z'),
      annotations: { 'fleetplane.io/build-tag': TAG, 'fleetplane.io/image': IMAGE },
      ...extra,
    },
    spec: { activeDeadlineSeconds: 900, template: {} },
    status,
  };
}

function pod(status: V1Pod['status'], owner = 'job-1', created = '2026-11-25T10:00:01Z'): V1Pod {
  return {
    metadata: {
      name: `build-cb843678afbe-${owner}`,
      creationTimestamp: new Date(created),
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'build-cb843678afbe', uid: owner }],
    },
    spec: { containers: [{ name: 'kaniko', image: 'ghcr.io/osscontainertools/kaniko:v1.28.3' }] },
    status,
  };
}

const kaniko = (state: object) => ({
  name: 'kaniko',
  image: 'ghcr.io/osscontainertools/kaniko:v1.28.3',
  imageID: '',
  ready: false,
  restartCount: 0,
  state,
});

const statusOf = (jobs: V1Job[], pods: V1Pod[] = []) => buildStatusOf({ jobs, pods }, 'build-cb843678afbe');

describe('the status of a build', () => {
  it('is absent without its Job, and while its Job is being deleted', () => {
    expect(statusOf([])).toBeUndefined();
    expect(statusOf([job({}, { deletionTimestamp: new Date() })])).toBeUndefined();
  });

  it('is Pending until the pod runs, then Running', () => {
    expect(statusOf([job()])).toMatchObject({
      tag: TAG,
      job: 'build-cb843678afbe',
      image: IMAGE,
      phase: 'Pending',
      startedAt: '2026-11-25T10:00:00.000Z',
      reason: 'waiting for the build pod',
    });
    const creating = pod({
      phase: 'Pending',
      containerStatuses: [kaniko({ waiting: { reason: 'ContainerCreating' } })],
    });
    expect(statusOf([job()], [creating])).toMatchObject({
      phase: 'Pending',
      reason: 'the build pod is ContainerCreating',
    });
    const running = pod({ phase: 'Running', containerStatuses: [kaniko({ running: {} })] });
    const status = statusOf([job({ startTime: new Date('2026-11-25T10:00:02Z') })], [running]);
    expect(status).toEqual({
      tag: TAG,
      job: 'build-cb843678afbe',
      image: IMAGE,
      phase: 'Running',
      startedAt: '2026-11-25T10:00:02.000Z',
    });
  });

  it('is Succeeded with the digest Kaniko wrote as the termination message', () => {
    const done = pod({
      phase: 'Succeeded',
      containerStatuses: [
        kaniko({ terminated: { exitCode: 0, reason: 'Completed', message: `${DIGEST}\n` } }),
      ],
    });
    const complete = job({
      startTime: new Date('2026-11-25T10:00:02Z'),
      completionTime: new Date('2026-11-25T10:01:30Z'),
      conditions: [{ type: 'Complete', status: 'True' }],
    });
    expect(statusOf([complete], [done])).toEqual({
      tag: TAG,
      job: 'build-cb843678afbe',
      image: IMAGE,
      phase: 'Succeeded',
      startedAt: '2026-11-25T10:00:02.000Z',
      finishedAt: '2026-11-25T10:01:30.000Z',
      digest: DIGEST,
    });
  });

  it("is Failed with Kaniko's error line when the build fails", () => {
    const log = [
      'INFO[0000] Retrieving image manifest node:24.21.0-bookworm-slim',
      'INFO[0002] Building stage',
      'error building image: error building stage: failed to get filesystem from image: unauthorized',
      'INFO[0003] exiting',
    ].join('\n');
    const failed = job({
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          lastTransitionTime: new Date('2026-11-25T10:00:05Z'),
        },
      ],
    });
    const dead = pod({
      phase: 'Failed',
      containerStatuses: [kaniko({ terminated: { exitCode: 1, reason: 'Error', message: log } })],
    });
    expect(statusOf([failed], [dead])).toMatchObject({
      phase: 'Failed',
      finishedAt: '2026-11-25T10:00:05.000Z',
      reason: 'error building image: error building stage: failed to get filesystem from image: unauthorized',
    });
    const silent = pod({
      phase: 'Failed',
      containerStatuses: [kaniko({ terminated: { exitCode: 137, reason: 'OOMKilled' } })],
    });
    expect(statusOf([failed], [silent])?.reason).toBe('the builder exited with code 137 (OOMKilled)');
  });

  it('names the deadline when the build took too long', () => {
    const late = job({
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'DeadlineExceeded',
          message: 'Job was active longer than specified deadline',
        },
      ],
    });
    expect(statusOf([late])?.reason).toBe(
      'the build did not finish within 900 s (FLEETPLANE_BUILD_DEADLINE_SECONDS)',
    );
  });

  it('is Failed, not Pending, when the builder cannot be pulled or a Secret is missing', () => {
    const pull = pod({
      phase: 'Pending',
      containerStatuses: [
        kaniko({
          waiting: {
            reason: 'ImagePullBackOff',
            message: 'Back-off pulling image "ghcr.io/osscontainertools/kaniko:v1.28.3"',
          },
        }),
      ],
    });
    expect(statusOf([job()], [pull])).toMatchObject({
      phase: 'Failed',
      reason:
        'the builder image ghcr.io/osscontainertools/kaniko:v1.28.3 cannot be pulled (ImagePullBackOff): Back-off pulling image "ghcr.io/osscontainertools/kaniko:v1.28.3"',
    });
    const secret = pod({
      phase: 'Pending',
      containerStatuses: [
        kaniko({
          waiting: {
            reason: 'CreateContainerConfigError',
            message: 'secret "fleetplane-build-s3" not found',
          },
        }),
      ],
    });
    expect(statusOf([job()], [secret])?.reason).toBe(
      'the build pod cannot start (CreateContainerConfigError): secret "fleetplane-build-s3" not found',
    );
  });

  it("reads only the current Job's pod: a replaced Job's failed pod is history", () => {
    const old = pod(
      {
        phase: 'Failed',
        containerStatuses: [kaniko({ terminated: { exitCode: 1, message: 'error building image: x' } })],
      },
      'job-0',
      '2026-11-25T09:00:00Z',
    );
    expect(statusOf([job()], [old])).toMatchObject({ phase: 'Pending' });
  });

  it('keeps a reason to one line of at most 500 characters', () => {
    expect(reasonLine(`a\nerror: ${'x'.repeat(600)}\nb`)?.length).toBe(500);
    expect(reasonLine('only\nlines\n')).toBe('lines');
    expect(reasonLine('')).toBeUndefined();
  });
});
