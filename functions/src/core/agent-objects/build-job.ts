/**
 * The Kaniko Job that builds the agent image in the cluster: `build-<tag12>` in the builds
 * namespace, reading the build context from the store's bucket and pushing
 * `<registry>/agent-runtime:<tag12>`. Its name is the content address, so a second dispatch
 * of the same context is a no-op (the name collides) and N agents on one runtime share it.
 *
 * Pure. Runs `ghcr.io/osscontainertools/kaniko` (the maintained fork; the Google repository was
 * archived in June 2025). Kaniko unpacks the base image as root inside its own container, so
 * the pod keeps root and the runtime's default capabilities: the builds namespace enforces the
 * `baseline` Pod Security Standard, not `restricted` (manifests/00-namespaces.yaml). Nothing
 * here is privileged, and no credential is inlined: the S3 keys and the registry's push config
 * come from Secrets in the builds namespace.
 */
import type { V1Job } from '@kubernetes/client-node';
import { cacheRepository, parseImage, runtimeImageOf, shortTag } from '../image-ref.ts';
import { formatCpu, parseQuantity } from '../quantity.ts';
import { FLEET_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from './labels.ts';

/** Every build Job and its pods carry the short tag here: one label selector finds a build. */
export const BUILD_LABEL = 'fleetplane.io/build';
/** The full content address (label values are limited to 63 characters). */
export const BUILD_TAG_ANNOTATION = 'fleetplane.io/build-tag';
/** The image the Job pushes: a Job of the same name pushing elsewhere is not ours to reuse. */
export const BUILD_IMAGE_ANNOTATION = 'fleetplane.io/image';
/** The SHA-256 of the context the Job builds, as the control plane verified it in the bucket. */
export const BUILD_CONTEXT_SHA256_ANNOTATION = 'fleetplane.io/context-sha256';
export const KANIKO_CONTAINER = 'kaniko';

/**
 * The pinned builder: osscontainertools/kaniko v1.28.3 (2026-08-13), by the digest of its
 * multi-platform index, so a moved tag cannot change what builds agents' images. To move to
 * another release, set FLEETPLANE_KANIKO_IMAGE to `<image>:<tag>@sha256:…` (`crane digest
 * ghcr.io/osscontainertools/kaniko:<tag>` prints the digest) and add it to the admission
 * policy's `builderImages` (manifests/12-control-plane-admission.yaml).
 */
export const DEFAULT_KANIKO_IMAGE =
  'ghcr.io/osscontainertools/kaniko:v1.28.3@sha256:779f463aaa3219151ceff518249aa043a60bcb09a17fab58b915f63c678ecde6';

export interface BuildJobSettings {
  /** The builder image (FLEETPLANE_KANIKO_IMAGE). */
  kanikoImage: string;
  /** The build fails when it runs longer (FLEETPLANE_BUILD_DEADLINE_SECONDS). */
  activeDeadlineSeconds: number;
  /** A finished Job (and its pod and log) is removed this long after it ends (FLEETPLANE_BUILD_TTL_SECONDS). */
  ttlSecondsAfterFinished: number;
  /** CPU request; the limit is four times it (FLEETPLANE_BUILD_CPU). */
  cpu: string;
  /** Memory request and limit (FLEETPLANE_BUILD_MEMORY). */
  memory: string;
  /** Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the bucket (FLEETPLANE_BUILD_S3_SECRET). */
  s3Secret: string;
  /** Secret of type kubernetes.io/dockerconfigjson that may push to the registry (FLEETPLANE_BUILD_REGISTRY_SECRET). */
  registrySecret: string;
}

export const DEFAULT_BUILD_JOB_SETTINGS: BuildJobSettings = {
  kanikoImage: DEFAULT_KANIKO_IMAGE,
  activeDeadlineSeconds: 900,
  ttlSecondsAfterFinished: 3600,
  cpu: '500m',
  memory: '2Gi',
  s3Secret: 'fleetplane-build-s3',
  registrySecret: 'fleetplane-registry-push',
};

export interface BuildJobInput {
  /** The context's content address (64 hex). */
  tag: string;
  /** FLEETPLANE_REGISTRY: images go to `<registry>/agent-runtime:<tag12>`. */
  registry: string;
  namespace: string;
  /** Where Kaniko reads the context: `s3://<bucket>/<key>`. */
  contextUrl: string;
  /** The S3 API of the bucket: endpoint (unset for AWS itself) and region. */
  s3: { endpoint?: string; region: string };
  /** The store that dispatched the build (a label, for people; the Job is shared by every fleet). */
  fleet?: string;
  /** The SHA-256 of the context in the bucket, verified before the Job is created. */
  contextSha256?: string;
  settings: BuildJobSettings;
}

export const buildJobName = (tag: string) => `build-${shortTag(tag)}`;

/** Selects a build's Job and pods. */
export const buildSelector = (tag: string) =>
  `${MANAGED_BY_LABEL}=${MANAGED_BY},${BUILD_LABEL}=${shortTag(tag)}`;

/** Registries spoken to over plain HTTP: loopback ones only, as Docker and crane do. */
export function isPlainHttpRegistry(host: string): boolean {
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.split(':')[0];
  return name === 'localhost' || name === '::1' || /^127\./.test(name ?? '');
}

export function buildJob(input: BuildJobInput): V1Job {
  const { settings } = input;
  const name = buildJobName(input.tag);
  const image = runtimeImageOf(input.registry, input.tag);
  const host = parseImage(image).host;
  const labels = {
    'app.kubernetes.io/name': 'agent-runtime',
    'app.kubernetes.io/component': 'image-build',
    'app.kubernetes.io/part-of': 'fleetplane',
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [BUILD_LABEL]: shortTag(input.tag),
  };
  const cpu = parseQuantity(settings.cpu) ?? 0.5;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: input.namespace,
      labels: { ...labels, ...(input.fleet ? { [FLEET_LABEL]: input.fleet } : {}) },
      annotations: {
        [BUILD_TAG_ANNOTATION]: input.tag,
        [BUILD_IMAGE_ANNOTATION]: image,
        ...(input.contextSha256 ? { [BUILD_CONTEXT_SHA256_ANNOTATION]: input.contextSha256 } : {}),
      },
    },
    spec: {
      // A failed build is reported, never retried by the Job: deploying again replaces it.
      backoffLimit: 0,
      activeDeadlineSeconds: settings.activeDeadlineSeconds,
      ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: KANIKO_CONTAINER,
              image: settings.kanikoImage,
              args: [
                `--context=${input.contextUrl}`,
                '--dockerfile=Dockerfile',
                `--destination=${image}`,
                '--cache=true',
                `--cache-repo=${cacheRepository(input.registry)}`,
                // Kubernetes makes the digest the container's termination message on success.
                '--digest-file=/dev/termination-log',
                '--push-retry=2',
                ...(isPlainHttpRegistry(host) ? [`--insecure-registry=${host}`] : []),
              ],
              env: [
                ...(input.s3.endpoint ? [{ name: 'S3_ENDPOINT', value: input.s3.endpoint }] : []),
                { name: 'S3_FORCE_PATH_STYLE', value: 'true' },
                { name: 'AWS_REGION', value: input.s3.region },
                ...['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].map((key) => ({
                  name: key,
                  valueFrom: { secretKeyRef: { name: settings.s3Secret, key } },
                })),
              ],
              // On failure, Kaniko's last log lines ("error building image: ...") become the message.
              terminationMessagePolicy: 'FallbackToLogsOnError',
              resources: {
                requests: { cpu: settings.cpu, memory: settings.memory },
                limits: { cpu: formatCpu(cpu * 4), memory: settings.memory },
              },
              securityContext: { allowPrivilegeEscalation: false },
              volumeMounts: [{ name: 'docker-config', mountPath: '/kaniko/.docker', readOnly: true }],
            },
          ],
          volumes: [
            {
              name: 'docker-config',
              secret: {
                secretName: settings.registrySecret,
                items: [{ key: '.dockerconfigjson', path: 'config.json' }],
              },
            },
          ],
        },
      },
    },
  };
}
