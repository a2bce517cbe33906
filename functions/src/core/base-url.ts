/**
 * Base URLs of OpenAI-compatible endpoints (`provider.baseUrl`, FLEETPLANE_OPENAI_BASE_URL,
 * FLEETPLANE_ALLOWED_BASE_URLS): what a valid one looks like, one normal form to compare them
 * by, the port the agent's egress must open, and whether the host is a Service of the cluster.
 *
 * Pure. WARNING: comparisons are exact on the normal form, never by prefix: a prefix test
 * would let "https://api.example.com.evil.net" pass for "https://api.example.com".
 */

export const MAX_BASE_URL_CHARS = 2_048;

/** Why a base URL is unusable, or undefined when it is a plain http(s) URL. */
export function baseUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http:// or https://';
  if (url.username || url.password) return 'must not carry credentials (the key goes in provider.apiKey)';
  if (url.search || url.hash || text.includes('?') || text.includes('#'))
    return 'must not have a query or a fragment';
  return undefined;
}

/** One form per URL: lower-case scheme and host, default port dropped, no trailing slash. */
export function normalizeBaseUrl(text: string): string {
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return text;
  }
}

/** The parsed URL, or undefined when the text is not one. */
export function parsedUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** The TCP port a base URL reaches, or undefined when it is not a valid http(s) URL. */
export function portOfUrl(url: string): number | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.port) return Number(parsed.port);
    return parsed.protocol === 'http:' ? 80 : parsed.protocol === 'https:' ? 443 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The namespace of a base URL that names a Service of the cluster in its long form
 * (`http://vllm.models.svc:8000/v1`, `...svc.cluster.local`), else undefined. The short form
 * `vllm.models` is not recognised: it cannot be told apart from a public name like `example.com`.
 */
export function clusterServiceNamespace(url: string): string | undefined {
  try {
    const match = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(new URL(url).hostname);
    return match?.[1];
  } catch {
    return undefined;
  }
}
