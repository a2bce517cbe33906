import { describe, expect, it } from 'vitest';
import { clock, summaryOf, troubleOf, viewOf } from './progress.ts';
import type { Deployment } from './types.ts';

const base: Deployment = {
  name: 'support-bot',
  tier: 'dedicated',
  phase: 'Deploying',
  generation: 2,
  url: 'https://agents.example.com/support-bot/',
  replicas: { desired: 2, ready: 1, updated: 2, available: 1 },
  conditions: [{ type: 'Stored', status: 'True', reason: 'ConfigStored', message: 'generation 2 is stored' }],
  pods: [],
};
const deployment = (overrides: Partial<Deployment>): Deployment => ({ ...base, ...overrides });
const running = { target: 'running' as const, firstSeen: 1_000 };

describe('viewOf and summaryOf', () => {
  it('says how far a rollout is, and what holds a pod back', () => {
    const view = viewOf('support-bot', deployment({}), running);
    expect(view.outcome).toBe('waiting');
    expect(summaryOf(view)).toBe('rolling out 1/2 ready');
    const held = deployment({
      pods: [
        { name: 'support-bot-a', phase: 'Running', ready: true, restarts: 0 },
        {
          name: 'support-bot-b',
          phase: 'Pending',
          ready: false,
          restarts: 0,
          reason: 'Unschedulable',
          message: '0/2 nodes are available: 2 Insufficient cpu.',
        },
      ],
    });
    expect(summaryOf(viewOf('support-bot', held, running), 43_500)).toBe(
      'rolling out 1/2 ready 0:42, Unschedulable (pod support-bot-b: 0/2 nodes are available: 2 Insufficient cpu.)',
    );
  });

  it('is ready only when Running at the deployed generation', () => {
    const ready = deployment({
      phase: 'Running',
      replicas: { desired: 2, ready: 2, updated: 2, available: 2 },
    });
    expect(viewOf('support-bot', ready, running)).toMatchObject({ outcome: 'ready', url: base.url });
    expect(summaryOf(viewOf('support-bot', ready, running))).toBe('Running 2/2 ready');
    expect(viewOf('support-bot', ready, { ...running, minGeneration: 3 }).outcome).toBe('waiting');
  });

  it('counts the build time from the build start when the API gives it, else from first sight', () => {
    const building = deployment({ phase: 'Building' });
    expect(summaryOf(viewOf('a', building, running), 43_000)).toBe('Building 0:42');
    const withStart = {
      ...building,
      build: { job: 'build-abc', phase: 'Running', startedAt: '2026-01-01T00:00:00Z' },
    };
    const view = viewOf('a', withStart as unknown as Deployment, running);
    expect(summaryOf(view, Date.parse('2026-01-01T00:01:05Z'))).toBe('Building 1:05');
  });

  it('names the failure: BuildFailed with its reason in either build shape', () => {
    // The shape of servers from before in-cluster builds: {job, state, message}.
    const current = {
      ...deployment({ phase: 'BuildFailed' }),
      build: { job: 'build-abc', state: 'Failed', message: 'Job has reached the specified backoff limit' },
    } as unknown as Deployment;
    expect(summaryOf(viewOf('a', current, running))).toBe(
      'BuildFailed: Job has reached the specified backoff limit',
    );
    expect(viewOf('a', current, running).outcome).toBe('failed');
    const coming = {
      ...deployment({ phase: 'BuildFailed' }),
      build: { tag: 'abc', job: 'build-abc', phase: 'Failed', reason: 'error building image: exit 1' },
    } as unknown as Deployment;
    expect(summaryOf(viewOf('a', coming, running))).toBe('BuildFailed: error building image: exit 1');
  });

  it('calls Degraded a failure only once it outlasts the grace period', () => {
    const degraded = deployment({
      phase: 'Degraded',
      replicas: { desired: 1, ready: 0, updated: 1, available: 0 },
      conditions: [
        {
          type: 'Degraded',
          status: 'True',
          reason: 'ImagePullBackOff',
          message: 'pod a-1: Back-off pulling image "x:fail-pull"',
        },
      ],
    });
    expect(viewOf('a', degraded, { ...running, degradedForMs: 5_000 }).outcome).toBe('waiting');
    const failed = viewOf('a', degraded, { ...running, degradedForMs: 15_000 });
    expect(failed.outcome).toBe('failed');
    expect(summaryOf(failed)).toBe(
      'Degraded 0/1 ready: ImagePullBackOff (pod a-1: Back-off pulling image "x:fail-pull")',
    );
  });

  it('reports a rollout past its deadline with the Deployment reason', () => {
    const failed = deployment({
      phase: 'Failed',
      conditions: [
        {
          type: 'Progressing',
          status: 'False',
          reason: 'ProgressDeadlineExceeded',
          message: 'ReplicaSet "a-1" has timed out progressing.',
        },
      ],
    });
    expect(troubleOf(failed)).toEqual({
      reason: 'ProgressDeadlineExceeded',
      message: 'ReplicaSet "a-1" has timed out progressing.',
    });
    expect(viewOf('a', failed, running).outcome).toBe('failed');
  });

  it('waits for an unlisted agent when deploying, and counts it gone when deleting', () => {
    expect(summaryOf(viewOf('a', undefined, running))).toBe('not listed yet');
    const gone = viewOf('a', undefined, { target: 'deleted', firstSeen: 0 });
    expect([gone.outcome, summaryOf(gone)]).toEqual(['ready', 'deleted']);
    expect(viewOf('a', deployment({ phase: 'Deleting' }), { target: 'deleted', firstSeen: 0 }).outcome).toBe(
      'waiting',
    );
  });
});

describe('clock', () => {
  it('prints m:ss, and h:mm:ss past an hour', () => {
    expect([clock(0), clock(42_900), clock(605_000), clock(3_723_000)]).toEqual([
      '0:00',
      '0:42',
      '10:05',
      '1:02:03',
    ]);
  });
});
