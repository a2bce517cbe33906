/**
 * Garbage collection: build contexts in this store's bucket and agent images in
 * `<registry>/agent-runtime` that nothing uses any more, and the names of agents this store
 * deleted whose Secrets may remain. Dry run unless asked; the plan (core/gc-plan.ts) is made the
 * same way either time, and a real run deletes exactly what it lists.
 *
 * Images: only tags this store recorded building, by tag, older than the minimum age, never a
 * digest another tag still names (see gc-plan.ts). A registry that cannot delete tags gets the
 * image deleted by its digest instead, which the plan has proved no other tag names. Kaniko's
 * layer cache (`agent-runtime/cache`) is never touched. Kept, always: the image this control
 * plane's agents run now, and every image a fleetplane Deployment or pod in the agents namespace
 * runs, whatever its fleet, the pool's too.
 *
 * Secrets: the control plane cannot read Secrets (least privilege), so it only names the
 * released agents; `fleetplane gc` lists and deletes their Secrets with the operator's kubeconfig.
 *
 * Must never delete anything in a dry run, nor an image any observed agent runs.
 */
import type { Cluster } from '../cluster/cluster.ts';
import { isTombstone } from '../core/agent-record.ts';
import {
  type BuildRecord,
  type ImageDecision,
  planImages,
  type ReleasedAgent,
  releasedAgents,
} from '../core/gc-plan.ts';
import { parseImage, shortTag } from '../core/image-ref.ts';
import type { PlatformSettings } from '../core/platform.ts';
import { mapLimit } from '../lib/map-limit.ts';
import type { ConfigStore } from '../store/config-store.ts';
import type { ImageBuilds, Target } from './image-builds.ts';

export interface GcItem {
  /** A build context in the bucket, an image tag in the registry, or this store's record of a tag already gone. */
  kind: 'context' | 'image' | 'record';
  /** The object key or the image reference. */
  name: string;
  tag: string;
  digest?: string;
  deleted: boolean;
}

export interface GcReport {
  dryRun: boolean;
  /** Images this store built are deleted only once older than this. */
  minAgeSeconds: number;
  /** Short tags kept because the current runtime or a running agent uses them. */
  kept: string[];
  /** What nothing references: deleted unless this is a dry run. */
  unreferenced: GcItem[];
  /** Images this store built that it leaves alone, and why. */
  skipped: { name: string; reason: string }[];
  /** Agents this store deleted, whose Secrets (`<agent>.*`) may remain; `fleetplane gc` lists them. */
  released: { namespace: string; agents: ReleasedAgent[]; platformSecrets: string[] };
  notes: string[];
}

export interface GcDeps {
  builds: ImageBuilds | undefined;
  cluster: Cluster;
  store: ConfigStore;
  platform: PlatformSettings;
  /** FLEETPLANE_GC_MIN_AGE_SECONDS. */
  minAgeSeconds: number;
  now?: () => number;
}

const CONCURRENCY = 4;
/** A day: a tag younger than that may belong to a deploy or a rollback still on its way. */
export const DEFAULT_GC_MIN_AGE_SECONDS = 86_400;

/** The platform's own Secrets in the agents namespace: never an agent's, whatever their names. */
const platformSecretsOf = (platform: PlatformSettings) =>
  [
    platform.providerSecret.name,
    platform.tlsSecretName,
    ...(platform.imagePullSecret ? [platform.imagePullSecret] : []),
  ].sort();

export async function collectGarbage(deps: GcDeps, options: { dryRun: boolean }): Promise<GcReport> {
  const { dryRun } = options;
  const { builds, cluster, store, platform, minAgeSeconds } = deps;
  // Every fleetplane object in the namespace, of any fleet: another store's agents may run our
  // images, and a name still in use is not released.
  const [observed, entries] = await Promise.all([cluster.observe({}), store.listEntries()]);
  const released = {
    namespace: platform.namespace,
    agents: releasedAgents(
      entries.filter(isTombstone),
      new Set([
        ...entries.filter((entry) => !isTombstone(entry)).map((entry) => entry.name),
        ...observed.objects.map((ref) => ref.agent),
      ]),
    ),
    platformSecrets: platformSecretsOf(platform),
  };
  const report: GcReport = {
    dryRun,
    minAgeSeconds,
    kept: [],
    unreferenced: [],
    skipped: [],
    released,
    notes: [],
  };
  if (!builds) {
    report.notes.push(
      'in-cluster builds are off here (FLEETPLANE_RUNTIME_IMAGE is set, or the store is not a bucket, or there is no cluster): there are no builds to collect',
    );
    return report;
  }
  const { contexts, records, registry } = builds.deps;
  const target = await builds.target();
  // The pool of pooled agents, whichever store made it, runs our image too.
  const pool = await cluster.observePool();
  const images = [
    ...[...observed.deployments, ...pool.deployments].flatMap(
      (d) => d.spec?.template.spec?.containers.map((c) => c.image) ?? [],
    ),
    ...[...observed.pods, ...pool.pods].flatMap((p) => p.spec?.containers.map((c) => c.image) ?? []),
  ];
  const keptTags = new Set([shortTag(target.tag)]);
  const keptDigests = new Set<string>();
  for (const image of images) {
    if (!image) continue;
    const parts = parseImage(image);
    if (parts.host !== target.host || parts.repository !== target.repository) continue;
    if (parts.tag) keptTags.add(parts.tag);
    if (parts.digest) keptDigests.add(parts.digest);
  }
  report.kept = [...keptTags].sort();

  for (const tag of await contexts.list())
    if (!keptTags.has(shortTag(tag)))
      report.unreferenced.push({ kind: 'context', name: contexts.url(tag), tag, deleted: false });

  const ours = (await records.list()).filter((record) => {
    const parts = parseImage(record.image);
    return parts.host === target.host && parts.repository === target.repository;
  });
  const decisions = ours.length ? await planFor(builds, target, ours, keptTags, keptDigests, deps) : [];
  for (const decision of decisions) {
    const name = `${target.host}/${target.repository}:${decision.shortTag}`;
    if (decision.action === 'keep') {
      if (decision.reason !== 'in use') report.skipped.push({ name, reason: decision.reason });
    } else
      report.unreferenced.push({
        kind: decision.action === 'delete-tag' ? 'image' : 'record',
        name,
        tag: decision.record.tag,
        digest: decision.record.digest,
        deleted: false,
      });
  }
  report.notes.push(
    `Only tags this store recorded building are candidates; other tags of ${target.host}/${target.repository} and Kaniko's layer cache (…/cache) are left alone.`,
  );
  if (dryRun) return report;

  const byTag = new Map(decisions.map((decision) => [decision.record.tag, decision]));
  await mapLimit(report.unreferenced, CONCURRENCY, async (item) => {
    if (item.kind === 'context') await contexts.remove(item.tag);
    else {
      const decision = byTag.get(item.tag);
      if (!decision) return;
      if (item.kind === 'image') {
        const deletion = await registry.deleteTag(target.host, target.repository, decision.shortTag);
        // This registry cannot remove a tag alone: the image goes by its digest, which the plan
        // proved no other tag names.
        if (deletion === 'unsupported')
          await registry.deleteManifest(target.host, target.repository, decision.record.digest);
      }
      await records.remove(decision.record.image);
    }
    item.deleted = true;
  });
  if (report.unreferenced.some((item) => item.kind === 'image'))
    report.notes.push(
      'A registry frees the space of deleted images only after its garbage collection; on DigitalOcean run: doctl registry garbage-collection start --include-untagged-manifests',
    );
  return report;
}

/** The registry's tags and what each names now, then the plan. */
async function planFor(
  builds: ImageBuilds,
  target: Target,
  records: readonly BuildRecord[],
  keptTags: Set<string>,
  keptDigests: Set<string>,
  deps: GcDeps,
): Promise<ImageDecision[]> {
  const { registry } = builds.deps;
  // Every tag, not only ours: another tag naming one of our digests keeps it.
  const tags = (await registry.tags(target.host, target.repository)).filter(
    (tag) => tag.length > 0 && !tag.includes('/'),
  );
  const digests = await mapLimit(tags, CONCURRENCY, async (tag) => [
    tag,
    await registry.manifestDigest(target.host, target.repository, tag),
  ]);
  const tagDigests = new Map(digests.filter((pair): pair is [string, string] => typeof pair[1] === 'string'));
  return planImages({
    records,
    tagDigests,
    keptTags,
    keptDigests,
    now: deps.now?.() ?? Date.now(),
    minAgeSeconds: deps.minAgeSeconds,
  });
}
