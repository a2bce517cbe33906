/**
 * Which variables each DigitalOcean Function gets, in one place: project.yml lists exactly these
 * (test/unit/project-yml.test.ts keeps them in step), `npm run build` writes the deployable
 * project from them, and `fleetplane doctor` checks that the ones a function cannot run without
 * are set. Least privilege: the public `health` gets the store and the cluster only, `templates`
 * the token hashes alone, the console the agents' public address alone.
 *
 * Pure data: names only, never values.
 */

/** Every function of the project, in the order project.yml lists them. */
export const FUNCTIONS = [
  'deploy',
  'deployments',
  'templates',
  'health',
  'sweep',
  'console',
  'gc',
  'whoami',
] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

const LOG = ['FLEETPLANE_LOG_LEVEL'] as const;
const TOKENS = ['FLEETPLANE_API_TOKEN_HASHES'] as const;

/** The store: its bucket, endpoint and region, and the control plane's key. */
export const STORE_ENV = [
  'FLEETPLANE_STORE',
  'FLEETPLANE_S3_ENDPOINT',
  'FLEETPLANE_S3_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
] as const;

/** The cluster, as the control plane's ServiceAccount. */
export const CLUSTER_ENV = ['FLEETPLANE_KUBECONFIG_DATA'] as const;

/** Everything the functions that render and reconcile agents read beyond the store and the cluster. */
export const PLATFORM_ENV = [
  'FLEETPLANE_NAMESPACE',
  'FLEETPLANE_BUILD_NAMESPACE',
  'FLEETPLANE_REGISTRY',
  'FLEETPLANE_RUNTIME_IMAGE',
  'FLEETPLANE_IMAGE_PULL_SECRET',
  'FLEETPLANE_DOMAIN',
  'FLEETPLANE_PUBLIC_URL',
  'FLEETPLANE_ROUTING',
  'FLEETPLANE_INGRESS_CLASS',
  'FLEETPLANE_TLS_ISSUER',
  'FLEETPLANE_TLS_SECRET',
  'FLEETPLANE_GATEWAY_NAME',
  'FLEETPLANE_GATEWAY_NAMESPACE',
  'FLEETPLANE_GATEWAY_SECTION',
  'FLEETPLANE_PROVIDER_SECRET',
  'FLEETPLANE_PROVIDER_SECRET_KEY',
  'FLEETPLANE_OPENAI_BASE_URL',
  'FLEETPLANE_ALLOWED_BASE_URLS',
  'FLEETPLANE_EGRESS_DENY_CIDRS',
  'FLEETPLANE_INGRESS_NAMESPACES',
  'FLEETPLANE_MAX_CPU_REQUEST',
  'FLEETPLANE_MAX_MEMORY_REQUEST',
  'FLEETPLANE_MAX_CPU_LIMIT',
  'FLEETPLANE_MAX_MEMORY_LIMIT',
  'FLEETPLANE_MAX_REPLICAS',
  'FLEETPLANE_AGENT_MAX_TOKENS',
  'FLEETPLANE_AGENT_MAX_CHOICES',
  'FLEETPLANE_AGENT_AUTH_FAILURES_PER_MINUTE',
  'FLEETPLANE_AGENT_TRUSTED_PROXIES',
  'FLEETPLANE_REVISIONS_KEPT',
  'FLEETPLANE_SWEEP_MAX_DELETE_SHARE',
  'FLEETPLANE_SWEEP_BUDGET_HOURS',
  'FLEETPLANE_GC_MIN_AGE_SECONDS',
  'FLEETPLANE_AGENT_MAX_TOOLS',
  'FLEETPLANE_AGENT_MAX_TOOL_STEPS',
  'FLEETPLANE_AGENT_MAX_TOOL_TIMEOUT_MS',
  'FLEETPLANE_AGENT_MAX_TOOL_RESULT_BYTES',
  'FLEETPLANE_ALLOWED_TOOL_ORIGINS',
  'FLEETPLANE_POOL_MIN_REPLICAS',
  'FLEETPLANE_POOL_MAX_REPLICAS',
  'FLEETPLANE_POOL_CPU',
  'FLEETPLANE_POOL_MEMORY',
  'FLEETPLANE_POOL_AGENT_CONCURRENCY',
  'FLEETPLANE_CONSOLE_ORIGIN',
  'FLEETPLANE_REGISTRY_DOCKER_CONFIG',
  'FLEETPLANE_KANIKO_IMAGE',
  'FLEETPLANE_BUILD_DEADLINE_SECONDS',
  'FLEETPLANE_BUILD_TTL_SECONDS',
  'FLEETPLANE_BUILD_CPU',
  'FLEETPLANE_BUILD_MEMORY',
  'FLEETPLANE_BUILD_S3_SECRET',
  'FLEETPLANE_BUILD_REGISTRY_SECRET',
] as const;

const RECONCILER = [...TOKENS, ...LOG, ...STORE_ENV, ...CLUSTER_ENV, ...PLATFORM_ENV];

export const FUNCTION_ENV: Readonly<Record<FunctionName, readonly string[]>> = {
  deploy: RECONCILER,
  deployments: RECONCILER,
  // gc reads the store, the cluster and the registry, and deletes builds: what deploy has.
  gc: RECONCILER,
  // Not a web function: no token hashes.
  sweep: [...LOG, ...STORE_ENV, ...CLUSTER_ENV, ...PLATFORM_ENV],
  // Public: it pings the store and the cluster with the real credentials, and never sees the token hashes.
  health: [...LOG, ...STORE_ENV, ...CLUSTER_ENV],
  templates: [...TOKENS, ...LOG],
  // The token's scope, from the token hashes alone.
  whoami: [...TOKENS, ...LOG],
  // Its dedicated origin (it serves nowhere else) and the agents' address (its CSP).
  console: [...LOG, 'FLEETPLANE_CONSOLE_ORIGIN', 'FLEETPLANE_DOMAIN', 'FLEETPLANE_PUBLIC_URL'],
};

/**
 * Where a function's variable is templated from in .env, when not from the variable of the same
 * name: the public health function reads the cluster with an identity of its own, which may read
 * nothing of the fleet, never with the control plane's.
 */
export const ENV_SOURCES: Readonly<Partial<Record<FunctionName, Readonly<Record<string, string>>>>> = {
  health: { FLEETPLANE_KUBECONFIG_DATA: 'FLEETPLANE_HEALTH_KUBECONFIG_DATA' },
};

/** The .env variable that function `fn`'s variable `name` comes from (project.yml's `${...}`). */
export const sourceOf = (fn: FunctionName, name: string): string => ENV_SOURCES[fn]?.[name] ?? name;

/** The .env variables each function is given, by their .env names. */
export const settingsOf = (fn: FunctionName): string[] => FUNCTION_ENV[fn].map((name) => sourceOf(fn, name));

/** Every .env variable some function reads. */
export const SETTINGS_READ: readonly string[] = [...new Set(FUNCTIONS.flatMap(settingsOf))];

/**
 * Variables without which a function refuses to run or refuses every request (the others have
 * defaults). Functions that render agents need a bucket, its key and the cluster; web functions
 * behind the token need the token hashes (with none, every request gets 401).
 */
export const REQUIRED_ENV: readonly string[] = [
  'FLEETPLANE_STORE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'FLEETPLANE_KUBECONFIG_DATA',
  'FLEETPLANE_HEALTH_KUBECONFIG_DATA',
  'FLEETPLANE_API_TOKEN_HASHES',
];

/** Variables whose value is a credential: never printed, by doctor or anyone. */
export const SECRET_ENV: readonly string[] = [
  'AWS_SECRET_ACCESS_KEY',
  'FLEETPLANE_KUBECONFIG_DATA',
  'FLEETPLANE_HEALTH_KUBECONFIG_DATA',
  'FLEETPLANE_REGISTRY_DOCKER_CONFIG',
];
