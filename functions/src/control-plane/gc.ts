/**
 * Garbage collection of builds: the build contexts in the bucket and the images in
 * `<registry>/agent-runtime` that nothing uses any more. Dry run unless asked; what it would
 * delete is exactly what it deletes when asked.
 *
 * Kept, always: the image this control plane's agents run now (its tag), and every image a
 * fleetplane Deployment or pod in the agents namespace runs, whatever its fleet, the pool's too. Only
 * content-addressed tags (12 hex digits) are candidates; another tag in the repository, and
 * Kaniko's layer cache (`agent-runtime/cache`), are never touched. An image is deleted by its
 * digest, so a digest that a kept tag shares is kept.
 *
 * Must never delete anything in a dry run, nor an image any observed agent runs.
 */
import type { Cluster } from '../cluster/cluster.ts';
import { parseImage, SHORT_TAG_LENGTH, shortTag } from '../core/image-ref.ts';
import { mapLimit } from '../lib/map-limit.ts';
import type { ImageBuilds } from './image-builds.ts';

export interface GcItem {
  kind: 'context' | 'image';
  /** The object key or the image reference. */
  name: string;
  tag: string;
  digest?: string;
  deleted: boolean;
}

export interface GcReport {
  dryRun: boolean;
  /** Short tags kept because the current runtime or a running agent uses them. */
  kept: string[];
  /** What nothing references: deleted unless this is a dry run. */
  unreferenced: GcItem[];
  notes: string[];
}

const CONTENT_TAG = new RegExp(`^[0-9a-f]{${SHORT_TAG_LENGTH}}$`);
const CONCURRENCY = 4;

export async function collectGarbage(
  builds: ImageBuilds | undefined,
  cluster: Cluster,
  options: { dryRun: boolean },
): Promise<GcReport> {
  const { dryRun } = options;
  if (!builds)
    return {
      dryRun,
      kept: [],
      unreferenced: [],
      notes: [
        'in-cluster builds are off here (FLEETPLANE_RUNTIME_IMAGE is set, or the store is not a bucket, or there is no cluster): there is nothing of theirs to collect',
      ],
    };
  const { contexts, registry } = builds.deps;
  const target = await builds.target();
  // Every fleetplane object in the namespace, of any fleet: another store's agents may run our
  // images; and the pool of pooled agents, whichever store made it.
  const [observed, pool] = await Promise.all([cluster.observe({}), cluster.observePool()]);
  const images = [
    ...[...observed.deployments, ...pool.deployments].flatMap(
      (d) => d.spec?.template.spec?.containers.map((c) => c.image) ?? [],
    ),
    ...[...observed.pods, ...pool.pods].flatMap((p) => p.spec?.containers.map((c) => c.image) ?? []),
  ];
  const kept = new Set([shortTag(target.tag)]);
  for (const image of images) {
    if (!image) continue;
    const parts = parseImage(image);
    if (parts.host === target.host && parts.repository === target.repository && parts.tag)
      kept.add(parts.tag);
  }

  const unreferenced: GcItem[] = [];
  for (const tag of await contexts.list())
    if (!kept.has(shortTag(tag)))
      unreferenced.push({ kind: 'context', name: contexts.url(tag), tag, deleted: false });

  const tags = (await registry.tags(target.host, target.repository)).filter((tag) => CONTENT_TAG.test(tag));
  const digests = new Map(
    await mapLimit(tags, CONCURRENCY, async (tag) => {
      const digest = await registry.manifestDigest(target.host, target.repository, tag);
      return [tag, digest] as const;
    }),
  );
  const keptDigests = new Set([...kept].map((tag) => digests.get(tag)).filter(Boolean));
  for (const tag of tags) {
    const digest = digests.get(tag);
    if (kept.has(tag) || !digest || keptDigests.has(digest)) continue;
    unreferenced.push({
      kind: 'image',
      name: `${target.host}/${target.repository}:${tag}`,
      tag,
      digest,
      deleted: false,
    });
  }

  const notes = [`Kaniko's layer cache (${target.host}/${target.repository}/cache) is left alone.`];
  if (!dryRun) {
    const deletedDigests = new Set<string>();
    await mapLimit(unreferenced, CONCURRENCY, async (item) => {
      if (item.kind === 'context') await contexts.remove(item.tag);
      else if (item.digest && !deletedDigests.has(item.digest)) {
        deletedDigests.add(item.digest);
        await registry.deleteManifest(target.host, target.repository, item.digest);
      }
      item.deleted = true;
    });
    if (unreferenced.some((item) => item.kind === 'image'))
      notes.push(
        'A registry frees the space of deleted images only after its garbage collection; on DigitalOcean run: doctl registry garbage-collection start --include-untagged-manifests',
      );
  }
  return { dryRun, kept: [...kept].sort(), unreferenced, notes };
}
