/**
 * Platform settings: what an operator configures once for every agent (namespace, public
 * host, routing, TLS, provider secret, registry, and the bounds every agent stays within).
 * Plain data with defaults; reading them from the environment happens at the edge
 * (settings.ts), never here.
 */

export type Routing = 'ingress' | 'gateway' | 'none';

/**
 * Per-agent maxima, so that no config asks for a pod no node can hold (it would stay
 * Pending forever) or for a fleet of its own. Defaults fit a DOKS pool of s-4vcpu-8gb nodes
 * (4 vCPU, 8 GB, about 3.9 CPU and 6 GiB allocatable): a pod at the maximum requests half a
 * node and may burst to a whole one. manifests/40-agent-limits.yaml holds the same figures.
 */
export interface AgentBounds {
  /** Largest request of one agent's container (Kubernetes quantities). */
  maxRequests: { cpu: string; memory: string };
  /** Largest limit of one agent's container. */
  maxLimits: { cpu: string; memory: string };
  /** Most replicas one agent may run: `replicas`, and `min_replicas`/`max_replicas` when autoscaled. */
  maxReplicas: number;
}

/**
 * What every agent's own API allows at most, so no agent is an open proxy on the platform's
 * key: tokens per answer, choices per chat call, failed API-key attempts per address. The
 * runtime enforces them (agent-runtime/src/contract.ts limits); the render passes them in.
 */
export interface AgentCaps {
  /** Largest `max_tokens` a call (or a config's default) may ask for. */
  maxTokens: number;
  /** Largest `n` of an OpenAI-compatible chat call. */
  maxChoices: number;
  /** Missing or wrong API keys allowed per client address per minute, before 429s. */
  authFailuresPerMinute: number;
  /**
   * Proxies whose X-Forwarded-For the agents trust (CIDRs): where the ingress or gateway
   * controller's pods run. Empty: the socket's peer is the client.
   */
  trustedProxies: string[];
}

/**
 * What a run with tools may ask for at most (FLEETPLANE_AGENT_MAX_TOOL*): a config's
 * `toolLimits` above a cap is a 422, and its defaults never exceed them.
 */
export interface ToolCaps {
  /** Most model calls in one run. */
  maxSteps: number;
  /** Longest a tool call may take, in ms. */
  maxTimeoutMs: number;
  /** Largest tool result the model reads, in bytes. */
  maxResultBytes: number;
  /** Most tools a config may list, and most functions an agent offers its model. */
  maxTools: number;
}

/** The local server (`npm start`), when it is the one rendering: where its agents call each other. */
export interface LocalServerSettings {
  /** The server's own URL, through which its agents reach each other (`<url>/<agent>`). */
  url: string;
  /** No cluster is configured: every agent runs here (else only `"cloud": "local"` ones). */
  runsEveryAgent: boolean;
}

/**
 * The pool that serves pooled agents: one Deployment per namespace (its HPA between the two
 * replica counts), each pod with these resources (the memory limit is twice the request), and
 * each agent's share of a pod (requests served at once; more wait in a bounded queue or get 429).
 */
export interface PoolSettings {
  minReplicas: number;
  maxReplicas: number;
  cpu: string;
  memory: string;
  perAgentConcurrency: number;
}

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
  /** Origin of the web console (its function URL's); agents let pages from it call them (CORS). */
  consoleOrigin?: string;
  /** What one agent may ask for at most. */
  agentBounds: AgentBounds;
  /** What an agent's own API allows at most. */
  agentCaps: AgentCaps;
  /** What a run with tools may ask for at most. */
  toolCaps: ToolCaps;
  /**
   * Origins of in-cluster Services (`http://<svc>.<ns>.svc:<port>`) that agents' tools may
   * call (FLEETPLANE_ALLOWED_TOOL_ORIGINS); public https hosts need no listing.
   */
  allowedToolOrigins: string[];
  /** Set by the local server: where its agents run and reach each other. */
  localServer?: LocalServerSettings;
  /**
   * Base URLs besides `openaiBaseUrl` that may receive the platform's key when a config names
   * them in `provider.baseUrl` (an in-cluster model server, a second provider the platform
   * pays for). Any other base URL must come with the agent's own key.
   */
  allowedBaseUrls: string[];
  /** IPv4 ranges agents may not reach on the egress ports: private (pods, Services, VPC), shared, link-local. */
  egressDenyCidrs: string[];
  /**
   * Namespaces whose pods may reach agents (the ingress or gateway controller's); `["*"]`
   * admits any source. Undefined: the default of the routing mode (defaultIngressNamespaces).
   */
  ingressNamespaces?: string[];
  /** The pool of pooled agents. */
  pool: PoolSettings;
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
  agentBounds: {
    maxRequests: { cpu: '2', memory: '4Gi' },
    maxLimits: { cpu: '4', memory: '8Gi' },
    maxReplicas: 20,
  },
  agentCaps: { maxTokens: 4096, maxChoices: 1, authFailuresPerMinute: 10, trustedProxies: ['10.244.0.0/16'] },
  toolCaps: { maxSteps: 16, maxTimeoutMs: 60_000, maxResultBytes: 262_144, maxTools: 32 },
  allowedToolOrigins: [],
  allowedBaseUrls: [],
  // The RFC 1918 ranges hold everything of the platform's own: on DOKS the pods (10.244.0.0/16),
  // the Services (10.245.0.0/16) and the VPC (DigitalOcean VPCs are always RFC 1918 ranges, a /20
  // per region by default), and any other VPC or on-premises network peered to it. 100.64.0.0/10
  // is shared (carrier-grade NAT) space; 169.254.0.0/16 holds the droplet metadata service
  // (169.254.169.254), which hands out the node's identity.
  egressDenyCidrs: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16'],
  // Measured: one pool process holds 1,000 idle agents in about 100 MB (test/bench/RESULTS.md).
  pool: { minReplicas: 2, maxReplicas: 10, cpu: '250m', memory: '256Mi', perAgentConcurrency: 8 },
};

/**
 * Who may reach agents when FLEETPLANE_INGRESS_NAMESPACES is unset: the ingress-nginx
 * controller's namespace, the Gateway's namespace (controllers that run their proxies beside
 * the Gateway), or anyone when the platform routes nothing (the operator exposes agents).
 */
export function defaultIngressNamespaces(platform: Pick<PlatformSettings, 'routing' | 'gateway'>): string[] {
  if (platform.routing === 'ingress') return ['ingress-nginx'];
  if (platform.routing === 'gateway') return [platform.gateway.namespace];
  return ['*'];
}

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
  /** Requests per minute per client (API key, else address) and replica; 0 turns it off. */
  rateLimitPerMinute: 60,
  /** CPU limit as a multiple of the request; memory limit equals the request. */
  cpuLimitFactor: 2,
} as const;

/** Defaults of a config's `toolLimits`, each lowered to the platform's cap. */
export const TOOL_LIMIT_DEFAULTS = { maxSteps: 8, timeoutMs: 15_000, maxResultBytes: 32_768 } as const;

/** Whether the agent runs on the local server (its user's machine) rather than in the cluster. */
export const runsOnLocalServer = (spec: { cloud: string }, platform: Pick<PlatformSettings, 'localServer'>) =>
  platform.localServer !== undefined && (platform.localServer.runsEveryAgent || spec.cloud === 'local');

/** The public URL of an agent: https://<domain>/<name>/, or below `publicUrl` when set. */
export const agentUrl = (platform: PlatformSettings, name: string) =>
  `${(platform.publicUrl ?? `https://${platform.domain}`).replace(/\/+$/, '')}/${name}/`;
