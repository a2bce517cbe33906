/**
 * How agent images are named: every agent runs `<FLEETPLANE_REGISTRY>/agent-runtime:<tag12>`,
 * where tag12 is the first 12 hex digits of the build context's content address, and once the
 * registry has it, by digest as well (`…:<tag12>@sha256:…`), so a re-pushed tag can never
 * change what runs. Also reads image references the way Docker does (which part is the host).
 *
 * Pure.
 */

export const RUNTIME_REPOSITORY = 'agent-runtime';
/** Characters of the context's hash in image tags and Job names: 48 bits, plenty for one product's builds. */
export const SHORT_TAG_LENGTH = 12;

export const shortTag = (tag: string) => tag.slice(0, SHORT_TAG_LENGTH);

/** `<registry>/agent-runtime`: the repository agent images are pushed to. */
export const runtimeRepository = (registry: string) =>
  `${registry.replace(/\/+$/, '')}/${RUNTIME_REPOSITORY}`;

/** The image built from the context with this tag, without a digest. */
export const runtimeImageOf = (registry: string, tag: string) =>
  `${runtimeRepository(registry)}:${shortTag(tag)}`;

/** Kaniko's layer cache, beside the images (Kaniko's own default is `<destination>/cache`). */
export const cacheRepository = (registry: string) => `${runtimeRepository(registry)}/cache`;

/** The image pinned to the digest the registry answered for it. */
export const withDigest = (image: string, digest: string) => `${image}@${digest}`;

const PINNED = /@sha256:[0-9a-f]{64}$/;

/** Whether a reference names its image by digest (`…@sha256:<64 hex>`), so no tag can move it. */
export const isPinnedByDigest = (reference: string) => PINNED.test(reference);

/** Whether `live` (what a Deployment runs) is `image`, by tag alone or by tag and digest. */
export function runsImage(live: string | undefined, image: string): boolean {
  return live === image || (live?.startsWith(`${image}@`) ?? false);
}

export interface ImageParts {
  /** Registry host, with its port: `registry.digitalocean.com`, `127.0.0.1:5000`. */
  host: string;
  /** Path inside the registry: `my-registry/agent-runtime`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/**
 * Splits a reference as Docker does: the first path segment is the host when it holds a dot or
 * a colon or is `localhost`; otherwise the image is on Docker Hub.
 */
export function parseImage(reference: string): ImageParts {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const named = at >= 0 ? reference.slice(0, at) : reference;
  const slash = named.indexOf('/');
  const first = slash >= 0 ? named.slice(0, slash) : '';
  const hasHost = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const host = hasHost ? first : 'registry-1.docker.io';
  let path = hasHost ? named.slice(slash + 1) : named;
  const colon = path.lastIndexOf(':');
  const tag = colon > path.lastIndexOf('/') ? path.slice(colon + 1) : undefined;
  if (tag !== undefined) path = path.slice(0, colon);
  if (!hasHost && !path.includes('/')) path = `library/${path}`;
  return { host, repository: path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}
