/**
 * Which image an agent runs, and the in-cluster build that makes it. Every agent runs
 * `<registry>/agent-runtime:<tag12>` of this control plane's build context, pinned to the digest
 * its build Job reported; reconcile asks a session for it and gets either the image to apply or
 * "wait": then nothing of the agent is applied, and the build is dispatched if this operation
 * may (see build-plan.ts).
 *
 *   live Deployment already runs the image   -> that image, no request at all
 *   known present in this process            -> cached reference, no request
 *   a build is running                       -> wait, no request
 *   its Job reported a digest, or this store recorded one (builds/images/), and the registry
 *   holds that digest (HEAD by digest)       -> pinned to it; the record is kept for gc and later
 *   else                                     -> dispatch or wait
 *
 * What the registry holds under the tag is never trusted: anyone with push access can move a
 * tag, and a build this store never saw is not its own. A session is one operation (a deploy of
 * a batch, a list, a sweep): its agents share one look at the build, one lookup and one
 * dispatch. Dispatching verifies the context in the bucket by its SHA-256 (replacing an object
 * that does not match, and logging it) and creates the Job `build-<tag12>` (AlreadyExists is
 * success), so N agents, concurrent requests and several control planes make one build.
 *
 * Must never replace a Job that pushes elsewhere, and never retry a failed build unless an
 * explicit deploy asks for it.
 */
import type { V1Job } from '@kubernetes/client-node';
import type { ContextStore } from '../builds/build-contexts.ts';
import type { BuildRecordStore } from '../builds/build-records.ts';
import type { Registry } from '../builds/registry.ts';
import type { RuntimeContextSource } from '../builds/runtime-context.ts';
import type { BuildCluster, PodLog } from '../cluster/cluster.ts';
import { type BuildJobSettings, buildJob, buildJobName } from '../core/agent-objects/build-job.ts';
import { GENERATION_ANNOTATION, INCARNATION_ANNOTATION } from '../core/agent-objects/labels.ts';
import {
  dispatchFor,
  finishDue,
  foreignBuild,
  type Purpose,
  registryLookupNeeded,
} from '../core/build-plan.ts';
import { type BuildStatus, type BuildsObserved, buildStatusOf } from '../core/build-status.ts';
import { UnavailableError } from '../core/errors.ts';
import { parseImage, runsImage, runtimeImageOf, withDigest } from '../core/image-ref.ts';
import type { Observed } from '../core/observed.ts';
import { type Logger, silentLogger } from '../lib/logger.ts';

export interface ImageBuildsDeps {
  cluster: BuildCluster;
  contexts: ContextStore;
  /** What this store's builds reported (builds/images/). */
  records: BuildRecordStore;
  registry: Registry;
  context: RuntimeContextSource;
  /** FLEETPLANE_REGISTRY: images go to `<registry>/agent-runtime:<tag12>`. */
  registryPrefix: string;
  /** The bucket's S3 API, for Kaniko. */
  s3: { endpoint?: string; region: string };
  job: BuildJobSettings;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Where a replaced build context is reported. */
  log?: Logger;
}

/** The image this control plane's agents run. */
export interface Target {
  tag: string;
  /** `<registry>/agent-runtime:<tag12>`, without a digest. */
  image: string;
  host: string;
  repository: string;
}

export type Resolution = { kind: 'ready'; image: string } | { kind: 'waiting'; build?: BuildStatus };

/** How long a status read trusts "the registry does not have it" when no build says otherwise. */
const MISSING_TTL_MS = 30_000;
/** A replaced Job is deleted in the background; its name is free again within moments. */
const REPLACE_ATTEMPTS = 20;
const REPLACE_PAUSE_MS = 250;

export class ImageBuilds {
  readonly deps: ImageBuildsDeps;
  /** Images the registry has, pinned by digest: a positive answer holds for the process. */
  private readonly present = new Map<string, string>();
  /** Until when a "not there" is trusted by status reads. */
  private readonly missing = new Map<string, number>();

  constructor(deps: ImageBuildsDeps) {
    this.deps = deps;
  }

  now() {
    return this.deps.now?.() ?? Date.now();
  }

  async target(): Promise<Target> {
    const { tag } = await this.deps.context();
    const image = runtimeImageOf(this.deps.registryPrefix, tag);
    const { host, repository } = parseImage(image);
    return { tag, image, host, repository };
  }

  /** One operation's view of the build; `fleet` labels any Job it creates. */
  session(purpose: Purpose, fleet?: string): ImageSession {
    return new ImageSession(this, purpose, fleet);
  }

  /** The pinned image, when this process already learnt that the registry has it. */
  known(target: Target): string | undefined {
    return this.present.get(target.image);
  }

  /**
   * The pinned image, when a digest this store trusts is in the registry: the one `build`
   * reported (recorded now, for later), or else the one recorded earlier. `trustMissing` lets a
   * recent "not there" stand.
   */
  async lookup(
    target: Target,
    build: BuildStatus | undefined,
    trustMissing: boolean,
  ): Promise<string | undefined> {
    const known = this.known(target);
    if (known) return known;
    if (trustMissing && (this.missing.get(target.image) ?? 0) > this.now()) return undefined;
    const { records, registry } = this.deps;
    const reported = build?.phase === 'Succeeded' && build.image === target.image ? build.digest : undefined;
    const recorded = await records.read(target.image);
    const digest = reported ?? recorded?.digest;
    if (!digest) return undefined;
    if (!(await registry.manifestDigest(target.host, target.repository, digest))) {
      this.missing.set(target.image, this.now() + MISSING_TTL_MS);
      return undefined;
    }
    if (reported && build && recorded?.digest !== reported)
      await records.write({
        image: target.image,
        tag: target.tag,
        digest: reported,
        job: build.job,
        ...(build.finishedAt ? { builtAt: build.finishedAt } : {}),
        recordedAt: new Date(this.now()).toISOString(),
      });
    const pinned = withDigest(target.image, digest);
    this.present.set(target.image, pinned);
    this.missing.delete(target.image);
    return pinned;
  }

  /** The log tail of the current build's pod (empty when no build runs or ran lately). */
  async logs(tailLines: number): Promise<PodLog[]> {
    const { tag } = await this.target();
    return this.deps.cluster.logs(tag, { tailLines });
  }
}

export class ImageSession {
  private readonly builds: ImageBuilds;
  private readonly purpose: Purpose;
  private readonly fleet: string | undefined;
  private observed: Promise<BuildsObserved> | undefined;
  /** The build as this session left it (after a dispatch), when it changed it. */
  private changed: BuildStatus | undefined;
  private resolution: Promise<Resolution> | undefined;

  constructor(builds: ImageBuilds, purpose: Purpose, fleet?: string) {
    this.builds = builds;
    this.purpose = purpose;
    this.fleet = fleet;
  }

  target(): Promise<Target> {
    return this.builds.target();
  }

  /** The build's Job and pods, listed once per session (two list calls). */
  private observe(): Promise<BuildsObserved> {
    this.observed ??= this.target().then(({ tag }) => this.builds.deps.cluster.observe(tag));
    this.observed.catch(() => {
      this.observed = undefined;
    });
    return this.observed;
  }

  /** The build of the target image as this session knows it (observing it if it has not yet). */
  async build(): Promise<BuildStatus | undefined> {
    if (this.changed) return this.changed;
    const [{ tag, image }, observed] = await Promise.all([this.target(), this.observe()]);
    const build = buildStatusOf(observed, buildJobName(tag));
    const foreign = foreignBuild(build, image);
    if (build && foreign) return { ...build, phase: 'Failed', reason: foreign };
    // The digest is how the agent is pinned: a build that did not report one cannot be used.
    if (build?.phase === 'Succeeded' && !build.digest)
      return {
        ...build,
        phase: 'Failed',
        reason: `the build Job ${build.job} finished without reporting the image's digest (Kaniko's --digest-file, the container's termination message); deploy again to rebuild`,
      };
    return build;
  }

  /**
   * The image an agent whose Deployment runs `live` (if any) should run, or "wait". The first
   * agent of a session that needs the registry asks it; the others share its answer.
   */
  async resolve(live: string | undefined): Promise<Resolution> {
    const target = await this.target();
    if (live && runsImage(live, target.image)) return { kind: 'ready', image: live };
    this.resolution ??= this.resolveTarget(target);
    return this.resolution;
  }

  /** Whether a status read should try to finish the agent (see finishDue). */
  async finishDue(name: string, record: { generation: number; incarnation?: string }, observed: Observed) {
    const deployment = observed.deployments.find((item) => item.metadata?.name === name);
    const annotations = deployment?.metadata?.annotations ?? {};
    return finishDue({
      image: (await this.target()).image,
      build: await this.build(),
      record,
      ...(deployment
        ? {
            live: {
              image: deployment.spec?.template.spec?.containers[0]?.image,
              generation: Number(annotations[GENERATION_ANNOTATION]),
              incarnation: annotations[INCARNATION_ANNOTATION],
            },
          }
        : {}),
    });
  }

  private async resolveTarget(target: Target): Promise<Resolution> {
    const known = this.builds.known(target);
    if (known) return { kind: 'ready', image: known };
    const build = await this.build();
    if (registryLookupNeeded(build, this.purpose)) {
      const pinned = await this.builds.lookup(target, build, this.purpose === 'read' && !build);
      if (pinned) return { kind: 'ready', image: pinned };
    }
    const action = dispatchFor(build, this.purpose, target.image, this.builds.now());
    if (action === 'create') this.changed = await this.dispatch(target);
    else if (action === 'replace') this.changed = await this.replace(target);
    return { kind: 'waiting', ...((this.changed ?? build) ? { build: this.changed ?? build } : {}) };
  }

  private async jobFor(target: Target): Promise<V1Job> {
    const { contexts, context, cluster, registryPrefix, s3, job } = this.builds.deps;
    const ensured = await contexts.ensure(target.tag, async () => (await context()).tarGz());
    if (ensured.state === 'replaced')
      (this.builds.deps.log ?? silentLogger)(
        'warn',
        'build context replaced: the bucket held other bytes under its key',
        {
          context: contexts.url(target.tag),
          expectedSha256: ensured.sha256,
          foundSha256: ensured.found,
        },
      );
    return buildJob({
      tag: target.tag,
      registry: registryPrefix,
      namespace: cluster.namespace,
      contextUrl: contexts.url(target.tag),
      contextSha256: ensured.sha256,
      s3,
      ...(this.fleet ? { fleet: this.fleet } : {}),
      settings: job,
    });
  }

  private statusOf(job: V1Job): BuildStatus | undefined {
    return buildStatusOf({ jobs: [job], pods: [] }, job.metadata?.name ?? '');
  }

  private async dispatch(target: Target): Promise<BuildStatus | undefined> {
    const { job } = await this.builds.deps.cluster.create(await this.jobFor(target));
    return this.statusOf(job);
  }

  /** Deletes the failed Job and creates it again (another request may beat us to either). */
  private async replace(target: Target): Promise<BuildStatus | undefined> {
    const { cluster } = this.builds.deps;
    const name = buildJobName(target.tag);
    const old = (await this.observe()).jobs.find((job) => job.metadata?.name === name);
    const uid = old?.metadata?.uid ?? '';
    const job = await this.jobFor(target);
    if (uid) await cluster.remove(name, uid);
    const sleep =
      this.builds.deps.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
    for (let attempt = 0; attempt < REPLACE_ATTEMPTS; attempt++) {
      const answer = await cluster.create(job);
      const fresh = answer.job.metadata?.uid !== uid && !answer.job.metadata?.deletionTimestamp;
      if (answer.created || fresh) return this.statusOf(answer.job);
      await sleep(REPLACE_PAUSE_MS);
    }
    throw new UnavailableError(
      'cluster',
      `the failed build Job ${name} is still being deleted; deploy again in a few seconds to retry the build`,
    );
  }
}
