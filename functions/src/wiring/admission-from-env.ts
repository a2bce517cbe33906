/**
 * The admission policy's params from the environment the functions run with: the same
 * settings, read the same way, so `fleetplane admission-params` prints what the policy must
 * admit for this installation.
 */
import { type AdmissionInstallation, RENDERED_POOL } from '../core/admission-params.ts';
import { runtimeRepository } from '../core/image-ref.ts';
import { buildJobSettingsFromEnv } from './builds-from-env.ts';
import { type Env, envValue } from './env.ts';
import { platformSettingsFromEnv } from './settings.ts';
import { storeLocation } from './store-from-env.ts';

export function admissionInstallationFromEnv(env: Env): AdmissionInstallation {
  const platform = platformSettingsFromEnv(env);
  const job = buildJobSettingsFromEnv(env);
  const location = storeLocation(env);
  const pinned = envValue(env, 'FLEETPLANE_RUNTIME_IMAGE');
  return {
    agentsNamespace: platform.namespace,
    buildsNamespace: platform.buildNamespace,
    providerSecrets: [platform.providerSecret.name],
    imagePullSecrets: platform.imagePullSecret ? [platform.imagePullSecret] : [],
    runtimeRepositories: [runtimeRepository(platform.registry)],
    runtimeImages: pinned ? [pinned] : [],
    builderImages: [job.kanikoImage],
    contextPrefix: location.kind === 's3' ? `s3://${location.bucket}/` : '',
    s3Endpoint: envValue(env, 'FLEETPLANE_S3_ENDPOINT') ?? '',
    s3Region: envValue(env, 'FLEETPLANE_S3_REGION') ?? 'us-east-1',
    buildS3Secret: job.s3Secret,
    buildRegistrySecret: job.registrySecret,
    domains: [platform.domain],
    tlsSecrets: [platform.tlsSecretName],
    gatewayName: platform.gateway.name,
    gatewayNamespace: platform.gateway.namespace,
    ...RENDERED_POOL,
  };
}
