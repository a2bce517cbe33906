import { describe, expect, it } from 'vitest';
import {
  dispatchFor,
  finishDue,
  foreignBuild,
  registryLookupNeeded,
  SUCCEEDED_GRACE_MS,
} from './build-plan.ts';
import type { BuildStatus } from './build-status.ts';

const IMAGE = 'reg/agent-runtime:cb843678afbe';
const NOW = Date.parse('2026-11-25T12:00:00Z');
const build = (phase: BuildStatus['phase'], extra: Partial<BuildStatus> = {}): BuildStatus => ({
  tag: 'cb843678afbe',
  job: 'build-cb843678afbe',
  image: IMAGE,
  phase,
  ...extra,
});

describe('build decisions', () => {
  it('ask the registry unless the observed build already tells', () => {
    for (const purpose of ['deploy', 'sweep', 'read'] as const) {
      expect(registryLookupNeeded(undefined, purpose)).toBe(true);
      expect(registryLookupNeeded(build('Succeeded'), purpose)).toBe(true);
      expect(registryLookupNeeded(build('Running'), purpose)).toBe(false);
      expect(registryLookupNeeded(build('Pending'), purpose)).toBe(false);
    }
    // Only a deploy, which may retry a failure, asks about a failed build's image.
    expect(registryLookupNeeded(build('Failed'), 'deploy')).toBe(true);
    expect(registryLookupNeeded(build('Failed'), 'sweep')).toBe(false);
    expect(registryLookupNeeded(build('Failed'), 'read')).toBe(false);
  });

  it('dispatch a missing build on deploy and sweep, retry a failure on deploy only, never on a read', () => {
    expect(dispatchFor(undefined, 'deploy', IMAGE, NOW)).toBe('create');
    expect(dispatchFor(undefined, 'sweep', IMAGE, NOW)).toBe('create');
    expect(dispatchFor(undefined, 'read', IMAGE, NOW)).toBe('none');
    expect(dispatchFor(build('Failed'), 'deploy', IMAGE, NOW)).toBe('replace');
    expect(dispatchFor(build('Failed'), 'sweep', IMAGE, NOW)).toBe('none');
    expect(dispatchFor(build('Running'), 'deploy', IMAGE, NOW)).toBe('none');
  });

  it('rebuild a succeeded image that is missing only after a grace period, and only on deploy', () => {
    const recent = build('Succeeded', { finishedAt: new Date(NOW - 5_000).toISOString() });
    const old = build('Succeeded', { finishedAt: new Date(NOW - SUCCEEDED_GRACE_MS - 1).toISOString() });
    expect(dispatchFor(recent, 'deploy', IMAGE, NOW)).toBe('none');
    expect(dispatchFor(old, 'deploy', IMAGE, NOW)).toBe('replace');
    expect(dispatchFor(old, 'sweep', IMAGE, NOW)).toBe('none');
  });

  it('never touch a Job of our name that pushes elsewhere, and say why', () => {
    const other = build('Failed', { image: 'other/agent-runtime:cb843678afbe' });
    expect(dispatchFor(other, 'deploy', IMAGE, NOW)).toBe('none');
    expect(foreignBuild(other, IMAGE)).toMatch(
      /another fleetplane with another registry .* FLEETPLANE_BUILD_NAMESPACE/,
    );
    expect(foreignBuild(build('Failed'), IMAGE)).toBeUndefined();
  });

  it('finish on a read only what waits for a built image', () => {
    const record = { generation: 2, incarnation: 'i1' };
    const live = { image: `${IMAGE}@sha256:${'a'.repeat(64)}`, generation: 2, incarnation: 'i1' };
    expect(finishDue({ image: IMAGE, build: build('Succeeded'), live, record })).toBe(false);
    expect(finishDue({ image: IMAGE, build: build('Succeeded'), record })).toBe(true);
    expect(
      finishDue({ image: IMAGE, build: build('Succeeded'), live: { ...live, generation: 1 }, record }),
    ).toBe(true);
    expect(
      finishDue({
        image: IMAGE,
        build: undefined,
        live: { ...live, image: 'reg/agent-runtime:old' },
        record,
      }),
    ).toBe(true);
    expect(finishDue({ image: IMAGE, build: build('Running'), record })).toBe(false);
    expect(finishDue({ image: IMAGE, build: build('Failed'), record })).toBe(false);
  });
});
