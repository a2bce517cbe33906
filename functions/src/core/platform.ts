/**
 * Platform settings: what an operator configures once for every agent (namespace, public
 * host, routing, TLS, provider secret, registry). Plain data with defaults; reading them
 * from the environment happens at the edge (settings.ts), never here.
 */

export type Routing = 'ingress' | 'gateway' | 'none';

export interface PlatformSettings {
  namespace: string;
  buildNamespace: string;
  /** Public host agents answer on: https://<domain>/<name>/... */
  domain: string;
  /** Base URL of agents when it is not https://<domain> (the local server: http://127.0.0.1:8080). */
  publicUrl?: string;
  routing: Routing;
  /** IngressClass name; undefined uses the cluster's default class. */
  ingressClass?: string;
  /** cert-manager ClusterIssuer that issues the shared TLS certificate. */
  tlsIssuer?: string;
  /** Secret holding the TLS certificate for `domain`, shared by every agent's Ingress. */
  tlsSecretName: string;
  /** Gateway that HTTPRoutes attach to when routing is "gateway". */
  gateway: { name: string; namespace: string; sectionName?: string };
  /** Secret holding the model provider's API key, mounted as OPENAI_API_KEY. */
  providerSecret: { name: string; key: string };
  /** OPENAI_BASE_URL for agents (any OpenAI-compatible provider); undefined: the SDK's default. */
  openaiBaseUrl?: string;
  /** Image repository prefix, e.g. registry.digitalocean.com/my-registry */
  registry: string;
  /** Secret used to pull agent images (DigitalOcean registry integration creates one). */
  imagePullSecret?: string;
}

export const DEFAULT_PLATFORM: PlatformSettings = {
  namespace: 'agents',
  buildNamespace: 'fleetplane-builds',
  domain: 'agents.example.com',
  routing: 'ingress',
  tlsIssuer: 'letsencrypt',
  tlsSecretName: 'fleetplane-agents-tls',
  gateway: { name: 'fleetplane', namespace: 'fleetplane-system' },
  providerSecret: { name: 'fleetplane-provider', key: 'OPENAI_API_KEY' },
  registry: 'registry.digitalocean.com/fleetplane',
};

/** Defaults the platform applies when neither the config nor its template says otherwise. */
export const PLATFORM_AGENT_DEFAULTS = {
  replicas: 1,
  minReplicas: 1,
  maxReplicas: 10,
  targetCpuPercentage: 70,
  logging: 'info',
  maxBodyBytes: 1024 * 1024,
  maxPromptChars: 100_000,
  requestTimeoutMs: 60_000,
  maxRetries: 2,
  rateLimitPerMinute: 0,
  /** CPU limit as a multiple of the request; memory limit equals the request. */
  cpuLimitFactor: 2,
} as const;

/** The public URL of an agent: https://<domain>/<name>/, or below `publicUrl` when set. */
export const agentUrl = (platform: PlatformSettings, name: string) =>
  `${(platform.publicUrl ?? `https://${platform.domain}`).replace(/\/+$/, '')}/${name}/`;
