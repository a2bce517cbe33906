/**
 * Platform settings read from the environment, at the edge, per call (never at module
 * load). Precedence: explicit option > environment > default.
 */
import { DEFAULT_PLATFORM, type PlatformSettings, type Routing } from './core/platform.ts';

type Env = Record<string, string | undefined>;

const ROUTINGS: Routing[] = ['ingress', 'gateway', 'none'];

export class SettingsError extends Error {
  override name = 'SettingsError';
}

export function platformSettingsFromEnv(
  env: Env = process.env,
  overrides: Partial<PlatformSettings> = {},
): PlatformSettings {
  const routing = (env.FLEETPLANE_ROUTING ?? DEFAULT_PLATFORM.routing) as Routing;
  if (!ROUTINGS.includes(routing))
    throw new SettingsError(`FLEETPLANE_ROUTING must be one of ${ROUTINGS.join(', ')} (got "${routing}")`);
  const pick = (name: string, fallback: string | undefined) => {
    const value = env[name];
    return value === undefined || value === '' ? fallback : value;
  };
  const settings: PlatformSettings = {
    namespace: pick('FLEETPLANE_NAMESPACE', DEFAULT_PLATFORM.namespace) as string,
    buildNamespace: pick('FLEETPLANE_BUILD_NAMESPACE', DEFAULT_PLATFORM.buildNamespace) as string,
    domain: pick('FLEETPLANE_DOMAIN', DEFAULT_PLATFORM.domain) as string,
    routing,
    tlsSecretName: pick('FLEETPLANE_TLS_SECRET', DEFAULT_PLATFORM.tlsSecretName) as string,
    gateway: {
      name: pick('FLEETPLANE_GATEWAY_NAME', DEFAULT_PLATFORM.gateway.name) as string,
      namespace: pick('FLEETPLANE_GATEWAY_NAMESPACE', DEFAULT_PLATFORM.gateway.namespace) as string,
    },
    providerSecret: {
      name: pick('FLEETPLANE_PROVIDER_SECRET', DEFAULT_PLATFORM.providerSecret.name) as string,
      key: pick('FLEETPLANE_PROVIDER_SECRET_KEY', DEFAULT_PLATFORM.providerSecret.key) as string,
    },
    registry: pick('FLEETPLANE_REGISTRY', DEFAULT_PLATFORM.registry) as string,
  };
  const optional = {
    ingressClass: pick('FLEETPLANE_INGRESS_CLASS', undefined),
    tlsIssuer: pick('FLEETPLANE_TLS_ISSUER', DEFAULT_PLATFORM.tlsIssuer),
    openaiBaseUrl: pick('FLEETPLANE_OPENAI_BASE_URL', undefined),
    publicUrl: pick('FLEETPLANE_PUBLIC_URL', undefined),
    imagePullSecret: pick('FLEETPLANE_IMAGE_PULL_SECRET', undefined),
  };
  for (const [key, value] of Object.entries(optional))
    if (value !== undefined) Object.assign(settings, { [key]: value });
  const section = pick('FLEETPLANE_GATEWAY_SECTION', undefined);
  if (section) settings.gateway.sectionName = section;
  return { ...settings, ...overrides };
}
