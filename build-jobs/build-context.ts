/**
 * The exact build context the in-cluster Kaniko Job receives for the agent image, and its
 * content-addressed tag: sha256(bundle, Dockerfile, base image), so N agents on the same
 * runtime cost one build and a prompt change costs none.
 *
 * Pure apart from bundling the runtime and reading the Dockerfile; it never talks to a
 * registry or a cluster (the control plane's build adapter does).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleRuntime } from '../agent-runtime/build.ts';
import { tarGz } from './deterministic-tar.ts';
import { baseImage, parseDockerfile } from './dockerfile.ts';

export const DOCKERFILE_PATH = join(dirname(fileURLToPath(import.meta.url)), 'Dockerfile');
/** Names of the bundles inside the context; the Dockerfile COPYs them. */
export const BUNDLE_NAME = 'agent-runtime.mjs';
export const POOL_BUNDLE_NAME = 'agent-pool.mjs';

/** The two entries of the one image: a dedicated agent, and the pool of pooled agents. */
export interface Bundles {
  runtime: string;
  pool: string;
}

export interface BuildContext {
  /** gzipped tar: Dockerfile and the two bundles. */
  tarGz: Uint8Array;
  /** 64 hex characters; `build-<tag[0..12]>` names the Kaniko Job. */
  tag: string;
  /** Paths inside the context, in tar order. */
  files: string[];
}

export async function buildContext(opts: { bundles?: Bundles } = {}): Promise<BuildContext> {
  const bundles: Bundles =
    opts.bundles ?? (await bundleRuntime().then(({ code, pool }) => ({ runtime: code, pool: pool.code })));
  const dockerfile = await readFile(DOCKERFILE_PATH, 'utf8');
  return contextFrom(bundles, dockerfile);
}

/** The pure part: same inputs, same bytes and tag. */
export function contextFrom(bundles: Bundles, dockerfile: string): BuildContext {
  const tag = imageTag(bundles, dockerfile, baseImage(parseDockerfile(dockerfile)));
  const files = ['Dockerfile', BUNDLE_NAME, POOL_BUNDLE_NAME];
  const archive = tarGz([
    { path: 'Dockerfile', data: Buffer.from(dockerfile) },
    { path: BUNDLE_NAME, data: Buffer.from(bundles.runtime) },
    { path: POOL_BUNDLE_NAME, data: Buffer.from(bundles.pool) },
  ]);
  return { tarGz: archive, tag, files };
}

/** NUL-separated so that moving bytes between the parts cannot give the same hash. */
export function imageTag(bundles: Bundles, dockerfile: string, base: string): string {
  return createHash('sha256')
    .update(bundles.runtime)
    .update('\0')
    .update(bundles.pool)
    .update('\0')
    .update(dockerfile)
    .update('\0')
    .update(base)
    .digest('hex');
}
