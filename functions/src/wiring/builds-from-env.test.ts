/** The builder is named by digest: a tag alone is refused, naming the setting and the value. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_KANIKO_IMAGE } from '../core/agent-objects/build-job.ts';
import { buildJobSettingsFromEnv } from './builds-from-env.ts';
import { SettingsError } from './env.ts';

describe('build Job settings', () => {
  it('default to Kaniko pinned by digest, and take another pinned one', () => {
    expect(buildJobSettingsFromEnv({}).kanikoImage).toBe(DEFAULT_KANIKO_IMAGE);
    expect(DEFAULT_KANIKO_IMAGE).toMatch(/^ghcr\.io\/osscontainertools\/kaniko:v[\d.]+@sha256:[0-9a-f]{64}$/);
    const other = `ghcr.io/osscontainertools/kaniko:v1.28.5@sha256:${'c'.repeat(64)}`;
    expect(buildJobSettingsFromEnv({ FLEETPLANE_KANIKO_IMAGE: other }).kanikoImage).toBe(other);
  });

  it('refuse a builder named by a tag that can move', () => {
    for (const image of ['ghcr.io/osscontainertools/kaniko:v1.28.3', 'kaniko@sha256:short']) {
      const call = () => buildJobSettingsFromEnv({ FLEETPLANE_KANIKO_IMAGE: image });
      expect(call).toThrow(SettingsError);
      expect(call).toThrow(`FLEETPLANE_KANIKO_IMAGE must name the builder by digest`);
      expect(call).toThrow(`(got "${image}")`);
    }
  });
});
