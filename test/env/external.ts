/**
 * Reads the FLEETPLANE_TEST_* variables that point the suite at existing infrastructure instead
 * of starting it here. Each part is independent: set only the kubeconfig and MinIO and the
 * registry still start locally.
 * Must never start or stop anything; read at call time, never at module load.
 */
import type { RegistryAuth, S3Endpoint } from './types.ts';

export interface ExternalInfra {
  kubeconfigPath: string | null;
  namespace: string;
  buildNamespace: string;
  s3: S3Endpoint | null;
  registry: string | null;
  registryAuth: RegistryAuth | null;
}

/** Documented in the README; keep this list and that section in step. */
export const EXTERNAL_VARIABLES = {
  FLEETPLANE_TEST_KUBECONFIG: 'kubeconfig of an existing cluster (namespaces are created if missing)',
  FLEETPLANE_TEST_NAMESPACE: 'agents namespace on that cluster (default agents)',
  FLEETPLANE_TEST_BUILD_NAMESPACE: 'build namespace on that cluster (default fleetplane-builds)',
  FLEETPLANE_TEST_S3_ENDPOINT: 'URL of an existing S3-compatible endpoint',
  FLEETPLANE_TEST_S3_BUCKET: 'bucket on it (created if missing; default fleetplane-test)',
  FLEETPLANE_TEST_S3_REGION: 'region (default us-east-1)',
  FLEETPLANE_TEST_S3_ACCESS_KEY_ID: 'access key (default $AWS_ACCESS_KEY_ID)',
  FLEETPLANE_TEST_S3_SECRET_ACCESS_KEY: 'secret key (default $AWS_SECRET_ACCESS_KEY)',
  FLEETPLANE_TEST_REGISTRY: 'host:port of an existing plain-HTTP OCI registry',
  FLEETPLANE_TEST_REGISTRY_USERNAME: 'user that registry asks for (basic or token auth; default none)',
  FLEETPLANE_TEST_REGISTRY_PASSWORD: 'password of that user',
} as const;

export function readExternalInfra(env: NodeJS.ProcessEnv = process.env): ExternalInfra {
  let s3: S3Endpoint | null = null;
  if (env.FLEETPLANE_TEST_S3_ENDPOINT) {
    const accessKeyId = env.FLEETPLANE_TEST_S3_ACCESS_KEY_ID || env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.FLEETPLANE_TEST_S3_SECRET_ACCESS_KEY || env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error(
        'FLEETPLANE_TEST_S3_ENDPOINT is set but no keys: set FLEETPLANE_TEST_S3_ACCESS_KEY_ID and FLEETPLANE_TEST_S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)',
      );
    }
    s3 = {
      endpoint: env.FLEETPLANE_TEST_S3_ENDPOINT,
      region: env.FLEETPLANE_TEST_S3_REGION || 'us-east-1',
      bucket: env.FLEETPLANE_TEST_S3_BUCKET || 'fleetplane-test',
      accessKeyId,
      secretAccessKey,
    };
  }
  return {
    kubeconfigPath: env.FLEETPLANE_TEST_KUBECONFIG || null,
    namespace: env.FLEETPLANE_TEST_NAMESPACE || 'agents',
    buildNamespace: env.FLEETPLANE_TEST_BUILD_NAMESPACE || 'fleetplane-builds',
    s3,
    registry: env.FLEETPLANE_TEST_REGISTRY || null,
    registryAuth:
      env.FLEETPLANE_TEST_REGISTRY && env.FLEETPLANE_TEST_REGISTRY_USERNAME
        ? {
            username: env.FLEETPLANE_TEST_REGISTRY_USERNAME,
            password: env.FLEETPLANE_TEST_REGISTRY_PASSWORD ?? '',
          }
        : null,
  };
}
