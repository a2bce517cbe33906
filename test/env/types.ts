/**
 * Shapes shared by the test environment's modules, the vitest global setup and the tests.
 * `TestEnv` crosses from the vitest main process to workers, so it must stay JSON-serialisable.
 */

export interface S3Endpoint {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface TestEnv {
  kubeconfigPath: string;
  /** Where agents go; labelled pod-security.kubernetes.io/enforce=restricted. */
  namespace: string;
  buildNamespace: string;
  s3: S3Endpoint;
  /** host:port of a plain-HTTP OCI registry. */
  registry: string;
  /** True when any part comes from FLEETPLANE_TEST_* variables instead of being started here. */
  external: boolean;
  /** Which parts were started here (and so can be stopped and started by test/env/control.ts). */
  local: { kubernetes: boolean; s3: boolean; registry: boolean };
  /** The state file of the started environment, for fault injection; null when nothing was started. */
  stateFile: string | null;
  kubernetesVersion: string | null;
}

export type ServiceName =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kwok'
  | 'minio'
  | 'registry';

export interface HealthCheck {
  url: string;
  /** 'admin': present the admin client certificate and trust the CA; 'insecure': self-signed serving cert. */
  tls?: 'admin' | 'insecure';
}

/** Everything needed to (re)start one process exactly as before: same ports, same data. */
export interface ServiceRecord {
  name: ServiceName;
  argv: string[];
  env: Record<string, string>;
  log: string;
  health: HealthCheck;
  /** Also the process-group id: each service runs as the leader of its own group. */
  pid: number | null;
}

export interface EnvState {
  version: 1;
  stateDir: string;
  startedAt: string;
  /** Admin credentials for health checks against the API server. */
  pki: { caCert: string; adminCert: string; adminKey: string } | null;
  services: Partial<Record<ServiceName, ServiceRecord>>;
  /** Set once everything is up and bootstrapped. */
  testEnv: TestEnv | null;
}
