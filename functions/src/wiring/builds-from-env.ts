/**
 * In-cluster image builds from the environment: on when the image is not pinned
 * (FLEETPLANE_RUNTIME_IMAGE unset), the store is a bucket Kaniko can read the context from
 * (FLEETPLANE_STORE=s3://...) and the cluster is Kubernetes; off otherwise (the local server's
 * directory store and process target, air-gapped clusters with a pinned image).
 *
 * Settings, each optional (read per call, never at module load):
 *   FLEETPLANE_REGISTRY_DOCKER_CONFIG   the registry's Docker config (JSON or base64), for lookups and gc
 *   FLEETPLANE_KANIKO_IMAGE             the builder image, by digest (default: the pinned osscontainertools/kaniko)
 *   FLEETPLANE_BUILD_DEADLINE_SECONDS   a build longer than this fails (default 900)
 *   FLEETPLANE_BUILD_TTL_SECONDS        finished Jobs are removed after this (default 3600)
 *   FLEETPLANE_BUILD_CPU, FLEETPLANE_BUILD_MEMORY   the build pod's CPU request and memory (500m, 2Gi)
 *   FLEETPLANE_BUILD_S3_SECRET, FLEETPLANE_BUILD_REGISTRY_SECRET   Secrets in the builds namespace
 */
import { BuildContexts } from '../builds/build-contexts.ts';
import { BuildRecords } from '../builds/build-records.ts';
import { credentialsFor, parseDockerConfig } from '../builds/docker-config.ts';
import { RegistryClient } from '../builds/registry.ts';
import type { RuntimeContextSource } from '../builds/runtime-context.ts';
import type { Cluster } from '../cluster/cluster.ts';
import { ImageBuilds } from '../control-plane/image-builds.ts';
import { type BuildJobSettings, DEFAULT_BUILD_JOB_SETTINGS } from '../core/agent-objects/build-job.ts';
import { isPinnedByDigest, parseImage, runtimeRepository } from '../core/image-ref.ts';
import type { PlatformSettings } from '../core/platform.ts';
import { isPositiveQuantity } from '../core/quantity.ts';
import type { Logger } from '../lib/logger.ts';
import type { BlobStore } from '../store/blob-store.ts';
import { type Env, envValue, SettingsError } from './env.ts';
import { numberFromEnv, storeLocation } from './store-from-env.ts';

export const DOCKER_CONFIG_SETTING = 'FLEETPLANE_REGISTRY_DOCKER_CONFIG';

export function buildJobSettingsFromEnv(env: Env): BuildJobSettings {
  const defaults = DEFAULT_BUILD_JOB_SETTINGS;
  const quantity = (name: string, fallback: string) => {
    const value = envValue(env, name) ?? fallback;
    if (!isPositiveQuantity(value))
      throw new SettingsError(
        `${name} must be a positive Kubernetes quantity such as 500m or 2Gi (got "${value}")`,
      );
    return value;
  };
  const kanikoImage = envValue(env, 'FLEETPLANE_KANIKO_IMAGE') ?? defaults.kanikoImage;
  if (!isPinnedByDigest(kanikoImage))
    throw new SettingsError(
      `FLEETPLANE_KANIKO_IMAGE must name the builder by digest, <image>:<tag>@sha256:<64 hex> (crane digest <image>:<tag> prints it), so that a moved tag cannot change what builds agents' images (got "${kanikoImage}")`,
    );
  return {
    kanikoImage,
    activeDeadlineSeconds: numberFromEnv(
      env,
      'FLEETPLANE_BUILD_DEADLINE_SECONDS',
      defaults.activeDeadlineSeconds,
      [60, 86_400],
    ),
    ttlSecondsAfterFinished: numberFromEnv(
      env,
      'FLEETPLANE_BUILD_TTL_SECONDS',
      defaults.ttlSecondsAfterFinished,
      [60, 7 * 86_400],
    ),
    cpu: quantity('FLEETPLANE_BUILD_CPU', defaults.cpu),
    memory: quantity('FLEETPLANE_BUILD_MEMORY', defaults.memory),
    s3Secret: envValue(env, 'FLEETPLANE_BUILD_S3_SECRET') ?? defaults.s3Secret,
    registrySecret: envValue(env, 'FLEETPLANE_BUILD_REGISTRY_SECRET') ?? defaults.registrySecret,
  };
}

/** The registry client the control plane uses, with the credentials of FLEETPLANE_REGISTRY_DOCKER_CONFIG. */
export function registryFromEnv(env: Env): RegistryClient {
  const text = envValue(env, DOCKER_CONFIG_SETTING);
  const config = text ? parseDockerConfig(text, DOCKER_CONFIG_SETTING) : undefined;
  return new RegistryClient({
    credentials: (host) => credentialsFor(config, host),
    credentialSource: DOCKER_CONFIG_SETTING,
  });
}

export interface BuildsWiring {
  platform: PlatformSettings;
  cluster: Cluster;
  /** The store's blobs (build contexts go beside the configs). */
  blobs: BlobStore;
  context: RuntimeContextSource;
  /** Where a replaced build context is reported. */
  log?: Logger;
}

/** The image builds of this environment, or undefined when nothing is built here. */
export function imageBuildsFromEnv(env: Env, wiring: BuildsWiring): ImageBuilds | undefined {
  if (envValue(env, 'FLEETPLANE_RUNTIME_IMAGE')) return undefined;
  const location = storeLocation(env);
  if (location.kind !== 's3') return undefined;
  const cluster = wiring.cluster.buildsIn?.(wiring.platform.buildNamespace);
  if (!cluster) return undefined;
  const repository = runtimeRepository(wiring.platform.registry);
  if (
    parseImage(repository).host === 'registry-1.docker.io' &&
    !wiring.platform.registry.includes('docker.io')
  )
    throw new SettingsError(
      `FLEETPLANE_REGISTRY must start with the registry's host, e.g. registry.digitalocean.com/<your-registry> (got "${wiring.platform.registry}")`,
    );
  const endpoint = envValue(env, 'FLEETPLANE_S3_ENDPOINT');
  return new ImageBuilds({
    cluster,
    contexts: new BuildContexts(wiring.blobs, location),
    records: new BuildRecords(wiring.blobs),
    registry: registryFromEnv(env),
    context: wiring.context,
    registryPrefix: wiring.platform.registry,
    s3: { ...(endpoint ? { endpoint } : {}), region: envValue(env, 'FLEETPLANE_S3_REGION') ?? 'us-east-1' },
    job: buildJobSettingsFromEnv(env),
    ...(wiring.log ? { log: wiring.log } : {}),
  });
}
