/**
 * Decisions about the runtime image's build, from what is already known: whether the registry
 * must be asked, whether a build is dispatched or replaced, whether a status read is due to
 * finish an agent. Each operation has a purpose, and only an explicit deploy retries a failure:
 *
 *   deploy  asks the registry unless a build is running; creates a missing build, replaces a failed one
 *   sweep   asks the registry unless a build is running or failed; creates a missing build only
 *   read    asks the registry only when a build succeeded (or there is none); never dispatches
 *
 * Pure.
 */
import type { BuildStatus } from './build-status.ts';
import { runsImage } from './image-ref.ts';

export type Purpose = 'deploy' | 'sweep' | 'read';

/** An agent with `"cloud": "local"` runs the bundle as a process of the local server: no image, no build. */
export const needsImage = (spec: { cloud: string }) => spec.cloud.toLowerCase() !== 'local';

export type BuildAction = 'none' | 'create' | 'replace';

/**
 * How long after a build succeeded its image may still be missing from the registry (Kaniko
 * pushes before it exits, so only a registry's own lag explains a gap) before a deploy builds again.
 */
export const SUCCEEDED_GRACE_MS = 60_000;

/** Whether the registry must be asked for the image, or the observed build already tells. */
export function registryLookupNeeded(build: BuildStatus | undefined, purpose: Purpose): boolean {
  if (!build || build.phase === 'Succeeded') return true;
  if (build.phase === 'Failed') return purpose === 'deploy';
  return false;
}

/** What to do about the build when the registry lacks `image`. */
export function dispatchFor(
  build: BuildStatus | undefined,
  purpose: Purpose,
  image: string,
  now: number,
): BuildAction {
  if (purpose === 'read') return 'none';
  if (!build) return 'create';
  // A Job of our name that pushes elsewhere belongs to another fleetplane: never touch it.
  if (build.image !== image) return 'none';
  if (purpose !== 'deploy') return 'none';
  if (build.phase === 'Failed') return 'replace';
  if (build.phase === 'Succeeded')
    return now - (Date.parse(build.finishedAt ?? '') || now) > SUCCEEDED_GRACE_MS ? 'replace' : 'none';
  return 'none';
}

/** Why a build Job of our name cannot be used, or undefined when it can. */
export function foreignBuild(build: BuildStatus | undefined, image: string): string | undefined {
  if (!build || build.image === image) return undefined;
  return `the build Job ${build.job} pushes to ${build.image || 'another image'}, not ${image}: another fleetplane with another registry uses this builds namespace; give each its own FLEETPLANE_BUILD_NAMESPACE`;
}

export interface FinishInput {
  /** The image (without digest) the agent should run. */
  image: string;
  build: BuildStatus | undefined;
  /** What the agent's Deployment runs, and the generation and incarnation it was applied for. */
  live?: { image?: string; generation?: number; incarnation?: string };
  record: { generation: number; incarnation?: string };
}

/**
 * Whether a status read should try to finish an agent: it does not yet run its current
 * generation on the built image, and no build is running or failed for it. Cheap: decided from
 * the observation the read already made.
 */
export function finishDue(input: FinishInput): boolean {
  const { live, record } = input;
  const current =
    live !== undefined &&
    runsImage(live.image, input.image) &&
    live.generation === record.generation &&
    (record.incarnation === undefined || live.incarnation === record.incarnation);
  if (current) return false;
  return !input.build || input.build.phase === 'Succeeded';
}
