/**
 * Doctor's registry section: the credentials of FLEETPLANE_REGISTRY_DOCKER_CONFIG authenticate
 * (basic, or the token flow DigitalOcean's registry uses), may push to the agents' repository
 * (an upload started and cancelled: nothing is written), and the image agents run is there:
 * the pinned one must be, a built one is once the first deploy has built it.
 */
import { SettingsError } from '../core/errors.ts';
import { shortTag } from '../core/image-ref.ts';
import { type CheckResult, checksOf, messageOf } from './check.ts';

/** What the registry section needs of the registry client (RegistryClient has it all). */
export interface RegistryProbeTarget {
  tags(host: string, repository: string): Promise<string[]>;
  manifestDigest(host: string, repository: string, reference: string): Promise<string | undefined>;
  probePush(host: string, repository: string): Promise<{ cancelled: boolean }>;
}

export interface RegistryCheckInput {
  registry: RegistryProbeTarget;
  host: string;
  repository: string;
  /** FLEETPLANE_RUNTIME_IMAGE's tag or digest, when pinned. */
  pinnedReference?: string;
  /** The tag this release builds (64 hex), when known. */
  buildTag?: () => Promise<string>;
}

const { ok, warn, fail } = checksOf('registry');

const REFRESH =
  "make a new docker config (doctl registry docker-config --read-write | base64 | tr -d '\\n') for FLEETPLANE_REGISTRY_DOCKER_CONFIG, and the same JSON for the fleetplane-registry-push Secret";

export async function registryChecks(input: RegistryCheckInput): Promise<CheckResult[]> {
  const { registry, host, repository } = input;
  const where = `${host}/${repository}`;
  let tags: string[];
  try {
    tags = await registry.tags(host, repository);
  } catch (error) {
    return [
      fail(
        'auth',
        `${host} did not let these credentials read ${repository}: ${messageOf(error)}`,
        error instanceof SettingsError
          ? REFRESH
          : 'check that the registry answers from here (FLEETPLANE_REGISTRY names its host)',
      ),
    ];
  }
  const results = [
    ok('auth', `${host} accepted the credentials, and lists ${tags.length} tag(s) of ${repository}`),
  ];
  if (!input.pinnedReference)
    try {
      const { cancelled } = await registry.probePush(host, repository);
      results.push(
        cancelled
          ? ok('push', `the credentials may push to ${where} (an upload was started and cancelled)`)
          : warn(
              'push',
              `the credentials may push to ${where}, but the registry did not accept cancelling the test upload (it expires by itself)`,
            ),
      );
    } catch (error) {
      results.push(
        fail(
          'push',
          `the credentials may not push to ${where}: ${messageOf(error)}; the cluster's builds push with the same`,
          REFRESH,
        ),
      );
    }
  if (input.pinnedReference) {
    const digest = await registry
      .manifestDigest(host, repository, input.pinnedReference)
      .catch(() => undefined);
    results.push(
      digest
        ? ok('image', `the pinned image ${where}:${input.pinnedReference} is there (${digest.slice(0, 19)}…)`)
        : fail(
            'image',
            `the pinned image ${where}:${input.pinnedReference} is not in the registry; agents would stay in ImagePullBackOff`,
            'push it (npx fleetplane image-context prints the docker build and push lines), or unset FLEETPLANE_RUNTIME_IMAGE to build in the cluster',
          ),
    );
    return results;
  }
  // The packed command has no runtime source to hash: then the tag is simply not known here.
  const tag = input.buildTag ? await input.buildTag().then(shortTag, () => undefined) : undefined;
  if (tag && tags.includes(tag))
    results.push(ok('image', `this release's image ${where}:${tag} is built and reachable`));
  else if (tags.length)
    results.push(
      ok(
        'image',
        `${where} holds ${tags.length} image(s)${tag ? `; this release's (${tag}) is built by the next deploy` : ''}`,
      ),
    );
  else
    results.push(
      warn(
        'image',
        `${where} holds no image yet${tag ? ` (this release builds ${tag})` : ''}`,
        'nothing to do: the first deploy builds it in the cluster (fleetplane logs <agent> --build shows the build)',
      ),
    );
  return results;
}
