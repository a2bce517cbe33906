import { describe, expect, it } from 'vitest';
import {
  BUILD_IMAGE_ANNOTATION,
  BUILD_LABEL,
  BUILD_TAG_ANNOTATION,
  buildJob,
  buildSelector,
  DEFAULT_BUILD_JOB_SETTINGS,
  isPlainHttpRegistry,
} from './build-job.ts';

const TAG = 'cb843678afbed4f0d97cd0012c020d37f0f25082a1572dc7dfaa510ef3552403';
const input = {
  tag: TAG,
  registry: 'registry.digitalocean.com/acme',
  namespace: 'fleetplane-builds',
  contextUrl: `s3://acme-fleet/prod/builds/${TAG}.tar.gz`,
  s3: { endpoint: 'https://fra1.digitaloceanspaces.com', region: 'fra1' },
  fleet: '0123456789abcdef',
  settings: DEFAULT_BUILD_JOB_SETTINGS,
};

describe('the Kaniko build Job', () => {
  const job = buildJob(input);
  const pod = job.spec?.template.spec;
  const container = pod?.containers[0];

  it('is named by the content address and carries the tag, the image and the fleet', () => {
    expect(job.metadata?.name).toBe('build-cb843678afbe');
    expect(job.metadata?.labels).toMatchObject({
      [BUILD_LABEL]: 'cb843678afbe',
      'app.kubernetes.io/managed-by': 'fleetplane',
      'fleetplane.io/fleet': '0123456789abcdef',
    });
    expect(job.metadata?.annotations).toEqual({
      [BUILD_TAG_ANNOTATION]: TAG,
      [BUILD_IMAGE_ANNOTATION]: 'registry.digitalocean.com/acme/agent-runtime:cb843678afbe',
    });
    // Pods are found by the same label; they carry no fleet (the Job is shared by every fleet).
    expect(job.spec?.template.metadata?.labels?.[BUILD_LABEL]).toBe('cb843678afbe');
    expect(job.spec?.template.metadata?.labels?.['fleetplane.io/fleet']).toBeUndefined();
    expect(buildSelector(TAG)).toBe(
      'app.kubernetes.io/managed-by=fleetplane,fleetplane.io/build=cb843678afbe',
    );
  });

  it('runs Kaniko pinned by digest once, with a deadline and a TTL, and reports the digest as its message', () => {
    expect(job.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 900,
      ttlSecondsAfterFinished: 3600,
    });
    expect(pod?.restartPolicy).toBe('Never');
    expect(container?.image).toMatch(/^ghcr\.io\/osscontainertools\/kaniko:v1\.28\.3@sha256:[0-9a-f]{64}$/);
    expect(container?.args).toEqual([
      `--context=s3://acme-fleet/prod/builds/${TAG}.tar.gz`,
      '--dockerfile=Dockerfile',
      '--destination=registry.digitalocean.com/acme/agent-runtime:cb843678afbe',
      '--cache=true',
      '--cache-repo=registry.digitalocean.com/acme/agent-runtime/cache',
      '--digest-file=/dev/termination-log',
      '--push-retry=2',
    ]);
    expect(container?.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(container?.resources).toEqual({
      requests: { cpu: '500m', memory: '2Gi' },
      limits: { cpu: '2', memory: '2Gi' },
    });
  });

  it('takes Spaces keys and push credentials from Secrets, never inline', () => {
    expect(container?.env).toEqual([
      { name: 'S3_ENDPOINT', value: 'https://fra1.digitaloceanspaces.com' },
      { name: 'S3_FORCE_PATH_STYLE', value: 'true' },
      { name: 'AWS_REGION', value: 'fra1' },
      {
        name: 'AWS_ACCESS_KEY_ID',
        valueFrom: { secretKeyRef: { name: 'fleetplane-build-s3', key: 'AWS_ACCESS_KEY_ID' } },
      },
      {
        name: 'AWS_SECRET_ACCESS_KEY',
        valueFrom: { secretKeyRef: { name: 'fleetplane-build-s3', key: 'AWS_SECRET_ACCESS_KEY' } },
      },
    ]);
    expect(container?.volumeMounts).toEqual([
      { name: 'docker-config', mountPath: '/kaniko/.docker', readOnly: true },
    ]);
    expect(pod?.volumes?.[0]?.secret).toEqual({
      secretName: 'fleetplane-registry-push',
      items: [{ key: '.dockerconfigjson', path: 'config.json' }],
    });
    expect(pod?.automountServiceAccountToken).toBe(false);
  });

  it('speaks plain HTTP only to a loopback registry, and leaves S3_ENDPOINT out for AWS itself', () => {
    const local = buildJob({ ...input, registry: '127.0.0.1:5000/t', s3: { region: 'us-east-1' } });
    const args = local.spec?.template.spec?.containers[0]?.args ?? [];
    expect(args).toContain('--insecure-registry=127.0.0.1:5000');
    expect(local.spec?.template.spec?.containers[0]?.env?.map((e) => e.name)).not.toContain('S3_ENDPOINT');
    expect(['localhost:5000', '127.0.0.1:5000', '[::1]:5000'].map(isPlainHttpRegistry)).toEqual([
      true,
      true,
      true,
    ]);
    expect(['registry.digitalocean.com', 'ghcr.io', '10.0.0.1:5000'].map(isPlainHttpRegistry)).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('renders exactly this (a reviewer should see the whole Job)', () => {
    expect(job).toMatchSnapshot();
  });
});
