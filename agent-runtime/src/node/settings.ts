/**
 * The Node entry's settings, read from the environment when asked (never at module load),
 * with one precedence: explicit env > default. Secrets stay in the returned object only;
 * never log it whole.
 */
import {
  AGENT_API_KEY_HASHES_ENV,
  CORS_ORIGINS_ENV,
  RUNTIME_CONFIG_ENV,
  RUNTIME_CONFIG_PATH,
  RUNTIME_PORT,
} from '../contract.ts';
import { parseKeyHashes } from '../http/api-key.ts';
import { parseOrigins } from '../http/cors.ts';
import { TRUSTED_PROXIES_ENV, TrustedProxies } from './client-address.ts';

export interface NodeSettings {
  configPath: string;
  port: number;
  host: string;
  openAiBaseUrl: string | undefined;
  openAiApiKey: string | undefined;
  apiKeyHashes: string[];
  /** Time to drain in-flight requests and streams after SIGTERM (keep below the pod's grace). */
  shutdownGraceMs: number;
  /** Proxies whose X-Forwarded-For is honoured (none by default: the socket peer is the client). */
  trustedProxies: TrustedProxies;
  /** Origins whose pages may call the agent (CORS); none by default. */
  corsOrigins: string[];
}

/** Env var for the drain time after SIGTERM, in ms (default 25 000, under Kubernetes' 30 s). */
export const SHUTDOWN_GRACE_ENV = 'FLEETPLANE_AGENT_SHUTDOWN_GRACE_MS';

/** Throws (naming the variable and the value) when a setting cannot be understood. */
export function readSettings(env: Record<string, string | undefined>): NodeSettings {
  return {
    configPath: env[RUNTIME_CONFIG_ENV] || RUNTIME_CONFIG_PATH,
    port: intOr(env.PORT, RUNTIME_PORT),
    host: env.HOST || '0.0.0.0',
    openAiBaseUrl: env.OPENAI_BASE_URL || undefined,
    openAiApiKey: env.OPENAI_API_KEY || undefined,
    apiKeyHashes: parseKeyHashes(env[AGENT_API_KEY_HASHES_ENV]),
    shutdownGraceMs: intOr(env[SHUTDOWN_GRACE_ENV], 25_000),
    trustedProxies: new TrustedProxies(env[TRUSTED_PROXIES_ENV]),
    corsOrigins: parseOrigins(env[CORS_ORIGINS_ENV]),
  };
}

function intOr(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isInteger(n) && n >= 0 ? n : fallback;
}
