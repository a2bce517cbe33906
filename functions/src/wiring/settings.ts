/**
 * Platform settings read from the environment, at the edge, per call (never at module
 * load). Precedence: explicit option > environment > default; an empty value is unset.
 */
import { DEFAULT_PLATFORM, type PlatformSettings, type Routing } from '../core/platform.ts';
import { type Env, envValue, SettingsError } from './env.ts';

const ROUTINGS: Routing[] = ['ingress', 'gateway', 'none'];

export function platformSettingsFromEnv(
  env: Env = process.env,
  overrides: Partial<PlatformSettings> = {},
): PlatformSettings {
  const pick = (name: string, fallback: string) => envValue(env, name) ?? fallback;
  const routing = pick('FLEETPLANE_ROUTING', DEFAULT_PLATFORM.routing) as Routing;
  if (!ROUTINGS.includes(routing))
    throw new SettingsError(`FLEETPLANE_ROUTING must be one of ${ROUTINGS.join(', ')} (got "${routing}")`);
  const settings: PlatformSettings = {
    namespace: pick('FLEETPLANE_NAMESPACE', DEFAULT_PLATFORM.namespace),
    buildNamespace: pick('FLEETPLANE_BUILD_NAMESPACE', DEFAULT_PLATFORM.buildNamespace),
    domain: pick('FLEETPLANE_DOMAIN', DEFAULT_PLATFORM.domain),
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
  };
  const optional = {
    ingressClass: envValue(env, 'FLEETPLANE_INGRESS_CLASS'),
    tlsIssuer: envValue(env, 'FLEETPLANE_TLS_ISSUER') ?? DEFAULT_PLATFORM.tlsIssuer,
    openaiBaseUrl: envValue(env, 'FLEETPLANE_OPENAI_BASE_URL'),
    publicUrl: envValue(env, 'FLEETPLANE_PUBLIC_URL'),
    imagePullSecret: envValue(env, 'FLEETPLANE_IMAGE_PULL_SECRET'),
  };
  for (const [key, value] of Object.entries(optional))
    if (value !== undefined) Object.assign(settings, { [key]: value });
  const section = envValue(env, 'FLEETPLANE_GATEWAY_SECTION');
  if (section) settings.gateway.sectionName = section;
  return { ...settings, ...overrides };
}
