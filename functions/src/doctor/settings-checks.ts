/**
 * Doctor's first section: the settings the functions are deployed with (.env under the
 * environment) parse as the functions parse them, name a bucket, and are not left at the
 * examples' placeholders. Its parsed settings feed every other section; when they do not
 * parse, the others say they could not check.
 *
 * Pure: the environment in, results and settings out. Never repeats a value of a secret.
 */
import { credentialsFor, type DockerConfig, parseDockerConfig } from '../builds/docker-config.ts';
import type { BuildJobSettings } from '../core/agent-objects/build-job.ts';
import { parseImage, runtimeRepository } from '../core/image-ref.ts';
import { DEFAULT_PLATFORM, type PlatformSettings } from '../core/platform.ts';
import { buildJobSettingsFromEnv, DOCKER_CONFIG_SETTING } from '../wiring/builds-from-env.ts';
import { wantsSweepTrigger } from '../wiring/do-project.ts';
import { type Env, envValue } from '../wiring/env.ts';
import { platformSettingsFromEnv } from '../wiring/settings.ts';
import { storeLocation } from '../wiring/store-from-env.ts';
import { type CheckResult, checksOf, messageOf } from './check.ts';

export interface DoctorSettings {
  env: Env;
  platform: PlatformSettings;
  store: { bucket: string; prefix: string; endpoint?: string; region: string };
  /** The image agents run when pinned (FLEETPLANE_RUNTIME_IMAGE): then nothing is built. */
  pinnedImage?: string;
  /** In-cluster builds are on: no pinned image (and an s3:// store, which doctor requires). */
  builds: boolean;
  job: BuildJobSettings;
  /** `registry.digitalocean.com`, and `my-registry/agent-runtime` (or the pinned image's). */
  registryHost: string;
  repository: string;
  dockerConfig?: DockerConfig;
  sweepTrigger: boolean;
}

const { ok, warn, fail } = checksOf('settings');

/** Every setting, parsed as the functions parse them; the first problem ends it. */
function parse(env: Env): DoctorSettings | CheckResult {
  let platform: PlatformSettings;
  let job: BuildJobSettings;
  let location: ReturnType<typeof storeLocation>;
  let sweepTrigger: boolean;
  try {
    platform = platformSettingsFromEnv(env);
    job = buildJobSettingsFromEnv(env);
    location = storeLocation(env);
    sweepTrigger = wantsSweepTrigger(env);
  } catch (error) {
    return fail('valid', `the settings do not parse: ${messageOf(error)}`, 'correct that variable in .env');
  }
  if (location.kind !== 's3' || !envValue(env, 'FLEETPLANE_STORE'))
    return fail(
      'store',
      `FLEETPLANE_STORE is ${JSON.stringify(env.FLEETPLANE_STORE ?? '')}; the functions run only on a bucket, and refuse every request without one`,
      'set FLEETPLANE_STORE=s3://<bucket>[/<prefix>] and FLEETPLANE_S3_ENDPOINT=https://<region>.digitaloceanspaces.com',
    );
  let dockerConfig: DockerConfig | undefined;
  const dockerText = envValue(env, DOCKER_CONFIG_SETTING);
  try {
    dockerConfig = dockerText ? parseDockerConfig(dockerText, DOCKER_CONFIG_SETTING) : undefined;
  } catch (error) {
    return fail(
      'registry',
      messageOf(error),
      `set ${DOCKER_CONFIG_SETTING} to the output of: doctl registry docker-config --read-write | base64 | tr -d '\\n'`,
    );
  }
  const pinnedImage = envValue(env, 'FLEETPLANE_RUNTIME_IMAGE');
  const image = parseImage(pinnedImage ?? `${runtimeRepository(platform.registry)}:latest`);
  const endpoint = envValue(env, 'FLEETPLANE_S3_ENDPOINT');
  return {
    env,
    platform,
    store: {
      bucket: location.bucket,
      prefix: location.prefix,
      ...(endpoint ? { endpoint } : {}),
      region: envValue(env, 'FLEETPLANE_S3_REGION') ?? 'us-east-1',
    },
    ...(pinnedImage ? { pinnedImage } : {}),
    builds: !pinnedImage,
    job,
    registryHost: image.host,
    repository: image.repository,
    ...(dockerConfig ? { dockerConfig } : {}),
    sweepTrigger,
  };
}

export function settingsChecks(
  env: Env,
  envFile: string | undefined,
): { settings?: DoctorSettings; results: CheckResult[] } {
  const results: CheckResult[] = [
    envFile
      ? ok(
          'file',
          `read ${envFile}, under the environment (as doctl serverless deploy templates project.yml)`,
        )
      : warn('file', 'no .env here: only the environment was read', 'cp .env.example .env, and fill it in'),
  ];
  const parsed = parse(env);
  if (!('platform' in parsed)) return { results: [...results, parsed] };
  const settings = parsed;
  results.push(
    ok(
      'valid',
      `the settings parse as the functions parse them; the store is s3://${settings.store.bucket}/${settings.store.prefix}`,
    ),
  );
  if (!envValue(env, 'FLEETPLANE_S3_ENDPOINT'))
    results.push(
      warn(
        'store-endpoint',
        'FLEETPLANE_S3_ENDPOINT is unset: the functions would look for the bucket on AWS S3',
        "for Spaces: FLEETPLANE_S3_ENDPOINT=https://<region>.digitaloceanspaces.com (the bucket's region, e.g. nyc3)",
      ),
    );
  results.push(
    settings.platform.domain === DEFAULT_PLATFORM.domain && !settings.platform.publicUrl
      ? warn(
          'domain',
          `FLEETPLANE_DOMAIN is the example's ${DEFAULT_PLATFORM.domain}`,
          'set FLEETPLANE_DOMAIN to the host agents answer on, e.g. agents.<your domain>',
        )
      : ok(
          'domain',
          `agents answer at ${settings.platform.publicUrl ?? `https://${settings.platform.domain}`}/<name>/`,
        ),
  );
  const credentials = credentialsFor(settings.dockerConfig, settings.registryHost);
  if (settings.platform.registry === DEFAULT_PLATFORM.registry && !settings.pinnedImage)
    results.push(
      warn(
        'registry',
        `FLEETPLANE_REGISTRY is the default ${DEFAULT_PLATFORM.registry}, which is not your registry`,
        'set FLEETPLANE_REGISTRY=registry.digitalocean.com/<your registry>',
      ),
    );
  else if (!credentials)
    results.push(
      (settings.builds ? fail : warn)(
        'registry',
        `${DOCKER_CONFIG_SETTING} has no credentials for ${settings.registryHost}: the control plane cannot see which images exist${settings.builds ? ', so every deploy would build again' : ''}`,
        `set ${DOCKER_CONFIG_SETTING} to the output of: doctl registry docker-config --read-write | base64 | tr -d '\\n'`,
      ),
    );
  else
    results.push(
      ok(
        'registry',
        `${settings.builds ? `images are built in the cluster and pushed to ${settings.registryHost}/${settings.repository}` : `agents run ${settings.pinnedImage} (no builds)`}; ${DOCKER_CONFIG_SETTING} has credentials for ${settings.registryHost}`,
      ),
    );
  return { settings, results };
}
