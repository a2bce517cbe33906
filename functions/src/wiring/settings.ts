/**
 * Platform settings read from the environment, at the edge, per call (never at module
 * load). Precedence: explicit option > environment > default; an empty value is unset.
 */
import { MAX_REPLICAS } from '../core/agent-config.ts';
import { baseUrlProblem, clusterServiceNamespace } from '../core/base-url.ts';
import {
  type AgentBounds,
  type AgentCaps,
  DEFAULT_PLATFORM,
  type PlatformSettings,
  type PoolSettings,
  type Routing,
  type ToolCaps,
} from '../core/platform.ts';
import { isPositiveQuantity } from '../core/quantity.ts';
import { type Env, envValue, SettingsError } from './env.ts';

const ROUTINGS: Routing[] = ['ingress', 'gateway', 'none'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A comma-separated list, blanks dropped; undefined when it holds nothing (unset, "", ","). */
function list(env: Env, name: string): string[] | undefined {
  const items = (envValue(env, name) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

/** Whether `text` is an IPv4 CIDR in canonical form (no bits set past the prefix), as the API server wants. */
export function isIpv4Cidr(text: string): boolean {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!match) return false;
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((octet) => octet > 255) || bits > 32) return false;
  const address = octets.reduce((sum, octet) => sum * 256 + octet, 0);
  return address % 2 ** (32 - bits) === 0;
}

/** FLEETPLANE_CONSOLE_ORIGIN: the console's dedicated origin (scheme and host), which agents also let call them. */
export function consoleOriginFromEnv(env: Env): string | undefined {
  const value = envValue(env, 'FLEETPLANE_CONSOLE_ORIGIN');
  if (value === undefined) return undefined;
  let origin: string | undefined;
  try {
    origin = new URL(value).origin;
  } catch {
    origin = undefined;
  }
  if (origin !== value)
    throw new SettingsError(
      `FLEETPLANE_CONSOLE_ORIGIN must be an origin, scheme and host only, such as https://console.example.com (got "${value}")`,
    );
  return origin;
}

/**
 * Where agents are reached from outside: FLEETPLANE_PUBLIC_URL, else https://FLEETPLANE_DOMAIN.
 * Each agent's URL (and the A2A card it publishes) is built from it, so it must be an http(s)
 * URL, checked here once rather than found broken in every agent.
 */
function agentAddressFromEnv(env: Env): { domain: string; publicUrl: string | undefined } {
  const domain = envValue(env, 'FLEETPLANE_DOMAIN') ?? DEFAULT_PLATFORM.domain;
  const publicUrl = envValue(env, 'FLEETPLANE_PUBLIC_URL');
  const base = publicUrl ?? `https://${domain}`;
  let parsed: URL | undefined;
  try {
    parsed = new URL(base);
  } catch {
    parsed = undefined;
  }
  const ok = parsed !== undefined && /^https?:$/.test(parsed.protocol) && !parsed.search && !parsed.hash;
  if (!ok && publicUrl !== undefined)
    throw new SettingsError(
      `FLEETPLANE_PUBLIC_URL must be an http(s) URL such as https://agents.example.com (got "${publicUrl}")`,
    );
  if (!ok || (publicUrl === undefined && parsed?.host !== domain.toLowerCase()))
    throw new SettingsError(
      `FLEETPLANE_DOMAIN must be a host name such as agents.example.com (got "${domain}")`,
    );
  return { domain, publicUrl };
}

function agentCapsFromEnv(env: Env, routing: Routing): AgentCaps {
  const defaults = DEFAULT_PLATFORM.agentCaps;
  const whole = (name: string, fallback: number, max: number) => {
    const value = envValue(env, name) ?? String(fallback);
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max)
      throw new SettingsError(`${name} must be a whole number from 1 to ${max} (got "${value}")`);
    return Number(value);
  };
  const proxies = envValue(env, 'FLEETPLANE_AGENT_TRUSTED_PROXIES');
  const trustedProxies =
    proxies === undefined
      ? routing === 'none'
        ? []
        : defaults.trustedProxies
      : proxies === 'none'
        ? []
        : proxies.split(',').map((entry) => entry.trim());
  for (const cidr of trustedProxies)
    if (!/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/.test(cidr) && !cidr.includes(':'))
      throw new SettingsError(
        `FLEETPLANE_AGENT_TRUSTED_PROXIES must be addresses or CIDRs, comma separated, or "none" (got "${cidr}")`,
      );
  return {
    maxTokens: whole('FLEETPLANE_AGENT_MAX_TOKENS', defaults.maxTokens, 1_000_000),
    maxChoices: whole('FLEETPLANE_AGENT_MAX_CHOICES', defaults.maxChoices, 128),
    authFailuresPerMinute: whole(
      'FLEETPLANE_AGENT_AUTH_FAILURES_PER_MINUTE',
      defaults.authFailuresPerMinute,
      10_000,
    ),
    trustedProxies,
  };
}

/** A whole number setting within [min, max], or its default. */
function wholeSetting(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = envValue(env, name) ?? String(fallback);
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max)
    throw new SettingsError(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
  return Number(value);
}

function toolCapsFromEnv(env: Env): ToolCaps {
  const defaults = DEFAULT_PLATFORM.toolCaps;
  return {
    maxSteps: wholeSetting(env, 'FLEETPLANE_AGENT_MAX_TOOL_STEPS', defaults.maxSteps, 1, 100),
    maxTimeoutMs: wholeSetting(
      env,
      'FLEETPLANE_AGENT_MAX_TOOL_TIMEOUT_MS',
      defaults.maxTimeoutMs,
      100,
      600_000,
    ),
    maxResultBytes: wholeSetting(
      env,
      'FLEETPLANE_AGENT_MAX_TOOL_RESULT_BYTES',
      defaults.maxResultBytes,
      256,
      10 * 1024 * 1024,
    ),
    maxTools: wholeSetting(env, 'FLEETPLANE_AGENT_MAX_TOOLS', defaults.maxTools, 1, 128),
  };
}

/** Origins of in-cluster Services tools may call: `http(s)://<svc>.<ns>.svc[.cluster.local][:port]`. */
function allowedToolOriginsFromEnv(env: Env): string[] {
  const origins = list(env, 'FLEETPLANE_ALLOWED_TOOL_ORIGINS') ?? [];
  return origins.map((text) => {
    let origin: string | undefined;
    try {
      const url = new URL(text);
      const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
      origin = bare ? url.origin : undefined;
    } catch {
      origin = undefined;
    }
    if (!origin || !clusterServiceNamespace(origin))
      throw new SettingsError(
        `FLEETPLANE_ALLOWED_TOOL_ORIGINS must list origins of in-cluster Services such as http://tickets.tools.svc:8080, comma separated (got "${text}")`,
      );
    return origin;
  });
}

function agentBoundsFromEnv(env: Env): AgentBounds {
  const defaults = DEFAULT_PLATFORM.agentBounds;
  const quantity = (name: string, fallback: string) => {
    const value = envValue(env, name) ?? fallback;
    if (!isPositiveQuantity(value))
      throw new SettingsError(
        `${name} must be a positive Kubernetes quantity such as "2" or "4Gi" (got "${value}")`,
      );
    return value;
  };
  const replicas = envValue(env, 'FLEETPLANE_MAX_REPLICAS') ?? String(defaults.maxReplicas);
  if (!/^\d+$/.test(replicas) || Number(replicas) < 1 || Number(replicas) > MAX_REPLICAS)
    throw new SettingsError(
      `FLEETPLANE_MAX_REPLICAS must be a whole number from 1 to ${MAX_REPLICAS} (got "${replicas}")`,
    );
  return {
    maxRequests: {
      cpu: quantity('FLEETPLANE_MAX_CPU_REQUEST', defaults.maxRequests.cpu),
      memory: quantity('FLEETPLANE_MAX_MEMORY_REQUEST', defaults.maxRequests.memory),
    },
    maxLimits: {
      cpu: quantity('FLEETPLANE_MAX_CPU_LIMIT', defaults.maxLimits.cpu),
      memory: quantity('FLEETPLANE_MAX_MEMORY_LIMIT', defaults.maxLimits.memory),
    },
    maxReplicas: Number(replicas),
  };
}

function poolFromEnv(env: Env): PoolSettings {
  const defaults = DEFAULT_PLATFORM.pool;
  const whole = (name: string, fallback: number, max: number) => {
    const value = envValue(env, name) ?? String(fallback);
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max)
      throw new SettingsError(`${name} must be a whole number from 1 to ${max} (got "${value}")`);
    return Number(value);
  };
  const quantity = (name: string, fallback: string) => {
    const value = envValue(env, name) ?? fallback;
    if (!isPositiveQuantity(value))
      throw new SettingsError(
        `${name} must be a positive Kubernetes quantity such as "250m" or "256Mi" (got "${value}")`,
      );
    return value;
  };
  const minReplicas = whole('FLEETPLANE_POOL_MIN_REPLICAS', defaults.minReplicas, MAX_REPLICAS);
  const maxReplicas = whole(
    'FLEETPLANE_POOL_MAX_REPLICAS',
    Math.max(defaults.maxReplicas, minReplicas),
    MAX_REPLICAS,
  );
  if (maxReplicas < minReplicas)
    throw new SettingsError(
      `FLEETPLANE_POOL_MAX_REPLICAS (${maxReplicas}) must not be below FLEETPLANE_POOL_MIN_REPLICAS (${minReplicas})`,
    );
  return {
    minReplicas,
    maxReplicas,
    cpu: quantity('FLEETPLANE_POOL_CPU', defaults.cpu),
    memory: quantity('FLEETPLANE_POOL_MEMORY', defaults.memory),
    perAgentConcurrency: whole('FLEETPLANE_POOL_AGENT_CONCURRENCY', defaults.perAgentConcurrency, 10_000),
  };
}

/** The network settings that bound agents: who may reach them, where they may not go, whose URLs get the key. */
function networkFromEnv(env: Env) {
  const allowedBaseUrls = list(env, 'FLEETPLANE_ALLOWED_BASE_URLS') ?? [];
  for (const url of allowedBaseUrls) {
    const problem = baseUrlProblem(url);
    if (problem)
      throw new SettingsError(`FLEETPLANE_ALLOWED_BASE_URLS: each entry ${problem} (got "${url}")`);
  }
  const deny = list(env, 'FLEETPLANE_EGRESS_DENY_CIDRS');
  const egressDenyCidrs =
    deny?.length === 1 && deny[0] === 'none' ? [] : (deny ?? DEFAULT_PLATFORM.egressDenyCidrs);
  for (const cidr of egressDenyCidrs)
    if (!isIpv4Cidr(cidr))
      throw new SettingsError(
        `FLEETPLANE_EGRESS_DENY_CIDRS must list IPv4 CIDRs such as 10.244.0.0/16, comma separated, or be "none" (got "${cidr}")`,
      );
  const ingressNamespaces = list(env, 'FLEETPLANE_INGRESS_NAMESPACES');
  for (const namespace of ingressNamespaces ?? [])
    if (namespace !== '*' && !DNS_LABEL.test(namespace))
      throw new SettingsError(
        `FLEETPLANE_INGRESS_NAMESPACES must list namespace names, comma separated, or "*" for any source (got "${namespace}")`,
      );
  return { allowedBaseUrls, egressDenyCidrs, ...(ingressNamespaces ? { ingressNamespaces } : {}) };
}

export function platformSettingsFromEnv(
  env: Env = process.env,
  overrides: Partial<PlatformSettings> = {},
): PlatformSettings {
  const pick = (name: string, fallback: string) => envValue(env, name) ?? fallback;
  const routing = pick('FLEETPLANE_ROUTING', DEFAULT_PLATFORM.routing) as Routing;
  if (!ROUTINGS.includes(routing))
    throw new SettingsError(`FLEETPLANE_ROUTING must be one of ${ROUTINGS.join(', ')} (got "${routing}")`);
  const address = agentAddressFromEnv(env);
  const settings: PlatformSettings = {
    namespace: pick('FLEETPLANE_NAMESPACE', DEFAULT_PLATFORM.namespace),
    buildNamespace: pick('FLEETPLANE_BUILD_NAMESPACE', DEFAULT_PLATFORM.buildNamespace),
    domain: address.domain,
    routing,
    tlsSecretName: pick('FLEETPLANE_TLS_SECRET', DEFAULT_PLATFORM.tlsSecretName),
    gateway: {
      name: pick('FLEETPLANE_GATEWAY_NAME', DEFAULT_PLATFORM.gateway.name),
      namespace: pick('FLEETPLANE_GATEWAY_NAMESPACE', DEFAULT_PLATFORM.gateway.namespace),
    },
    providerSecret: {
      name: pick('FLEETPLANE_PROVIDER_SECRET', DEFAULT_PLATFORM.providerSecret.name),
      key: pick('FLEETPLANE_PROVIDER_SECRET_KEY', DEFAULT_PLATFORM.providerSecret.key),
    },
    registry: pick('FLEETPLANE_REGISTRY', DEFAULT_PLATFORM.registry),
    agentBounds: agentBoundsFromEnv(env),
    agentCaps: agentCapsFromEnv(env, routing),
    toolCaps: toolCapsFromEnv(env),
    allowedToolOrigins: allowedToolOriginsFromEnv(env),
    ...networkFromEnv(env),
    pool: poolFromEnv(env),
  };
  const optional = {
    ingressClass: envValue(env, 'FLEETPLANE_INGRESS_CLASS'),
    tlsIssuer: envValue(env, 'FLEETPLANE_TLS_ISSUER') ?? DEFAULT_PLATFORM.tlsIssuer,
    openaiBaseUrl: envValue(env, 'FLEETPLANE_OPENAI_BASE_URL'),
    publicUrl: address.publicUrl,
    imagePullSecret: envValue(env, 'FLEETPLANE_IMAGE_PULL_SECRET'),
    consoleOrigin: consoleOriginFromEnv(env),
  };
  for (const [key, value] of Object.entries(optional))
    if (value !== undefined) Object.assign(settings, { [key]: value });
  const section = envValue(env, 'FLEETPLANE_GATEWAY_SECTION');
  if (section) settings.gateway.sectionName = section;
  return { ...settings, ...overrides };
}
