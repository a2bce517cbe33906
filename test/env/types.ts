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

/** Credentials of a registry that asks for them (basic auth, or basic auth at a token realm). */
export interface RegistryAuth {
  username: string;
  password: string;
}

export interface TestEnv {
  /** An admin's kubeconfig (system:masters): for tests that act behind the control plane's back. */
  kubeconfigPath: string;
  /**
   * The control plane's ServiceAccount (its token only), under the admission policy: every
   * control plane the suite runs uses this one (manifests/10-control-plane-rbac.yaml, 12-...).
   */
  controlPlaneKubeconfigPath: string;
  /** The health function's ServiceAccount, which may read nothing of the fleet. */
  healthKubeconfigPath: string;
  /** Where agents go; labelled pod-security.kubernetes.io/enforce=restricted. */
  namespace: string;
  buildNamespace: string;
  s3: S3Endpoint;
  /** host:port of a plain-HTTP OCI registry. */
  registry: string;
  /** What `registry` asks for (htpasswd basic auth when started here); null for an open registry. */
  registryAuth: RegistryAuth | null;
  /** `{"auths":{"<registry>":{"auth":"<base64 user:pass>"}}}` for `registryAuth`, as `doctl registry docker-config` writes; null when open. */
  registryDockerConfig: string | null;
  /** kubectl built at the API server's version (the baseline of the deploy benchmark). */
  kubectl: string;
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
  /** Sent as the Authorization header (the registry answers 401 without its credentials). */
  authorization?: string;
  /** The status that means healthy, when not 200 (a token-auth registry answers /v2/ with 401). */
  status?: number;
}

/** Everything needed to (re)start one process exactly as before: same ports, same data. */
export interface ProcessRecord {
  name: string;
  argv: string[];
  env: Record<string, string>;
  log: string;
  health: HealthCheck;
  /** Also the process-group id: each service runs as the leader of its own group. */
  pid: number | null;
}

export interface ServiceRecord extends ProcessRecord {
  name: ServiceName;
}

export interface EnvState {
  version: 1;
  stateDir: string;
  startedAt: string;
  /** Admin credentials for health checks against the API server. */
  pki: { caCert: string; adminCert: string; adminKey: string } | null;
  services: Partial<Record<ServiceName, ServiceRecord>>;
  /**
   * Processes tests started on demand (test/env/extras.ts), keyed by name. Recorded here so
   * `down` and the reaper stop them too; `up` does not count them when it checks health.
   */
  extras?: Record<string, ProcessRecord>;
  /** Set once everything is up and bootstrapped. */
  testEnv: TestEnv | null;
}
