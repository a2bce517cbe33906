/**
 * What garbage collection may delete, decided from what was observed, so that a dry run and a
 * real run list exactly the same things:
 *
 * - Images: only tags this store recorded building (builds/images/), by tag, once older than
 *   the minimum age, while the tag still names the digest the build reported, and only when no
 *   other tag of the repository (`stable`, another fleet's, a person's) names that digest too.
 *   Tags in use (the current runtime, any fleetplane Deployment or pod, whatever its fleet) are
 *   kept. A record whose tag is already gone is itself garbage.
 * - Secrets of deleted agents: named `<agent>.*` where this store's tombstone says the agent was
 *   deleted, no record of that name is live, nothing of any fleet still carries its name, the
 *   Secret was created before the deletion, is a plain (Opaque) Secret, and is not one of the
 *   platform's.
 *
 * Pure. Everything here errs towards keeping: in doubt, an item is skipped with its reason.
 */
import { parseImage } from './image-ref.ts';

/** What a store recorded of one of its builds (the digest its Job reported). */
export interface BuildRecord {
  /** `<registry>/agent-runtime:<tag12>`, without a digest. */
  image: string;
  /** The build context's content address. */
  tag: string;
  /** What the build Job reported it pushed. */
  digest: string;
  /** The Job that reported it. */
  job: string;
  /** When the build finished, as its Job says. */
  builtAt?: string;
  /** When the store recorded it. */
  recordedAt: string;
}

export interface ImagePlanInput {
  /** This store's records for the repository gc looks at. */
  records: readonly BuildRecord[];
  /** Every tag of the repository and the digest it names now. */
  tagDigests: ReadonlyMap<string, string>;
  /** Short tags and digests in use. */
  keptTags: ReadonlySet<string>;
  keptDigests: ReadonlySet<string>;
  now: number;
  minAgeSeconds: number;
}

export type ImageDecision =
  | { action: 'delete-tag'; record: BuildRecord; shortTag: string }
  | { action: 'forget'; record: BuildRecord; shortTag: string }
  | { action: 'keep'; record: BuildRecord; shortTag: string; reason: string };

const ageOf = (record: BuildRecord, now: number) =>
  (now - (Date.parse(record.builtAt ?? '') || Date.parse(record.recordedAt) || now)) / 1000;

/** One decision per record, in the records' order. */
export function planImages(input: ImagePlanInput): ImageDecision[] {
  const first = input.records.map((record): ImageDecision => {
    const shortTag = parseImage(record.image).tag ?? '';
    if (input.keptTags.has(shortTag) || input.keptDigests.has(record.digest))
      return { action: 'keep', record, shortTag, reason: 'in use' };
    const current = input.tagDigests.get(shortTag);
    if (current === undefined) return { action: 'forget', record, shortTag };
    if (current !== record.digest)
      return {
        action: 'keep',
        record,
        shortTag,
        reason: `the tag now names ${current}, not the image this store built (${record.digest}): someone pushed over it`,
      };
    const age = ageOf(record, input.now);
    if (age < input.minAgeSeconds)
      return {
        action: 'keep',
        record,
        shortTag,
        reason: `built ${Math.floor(age)} s ago, younger than the minimum age of ${input.minAgeSeconds} s (FLEETPLANE_GC_MIN_AGE_SECONDS)`,
      };
    return { action: 'delete-tag', record, shortTag };
  });
  // A digest another tag still names is kept, unless that tag goes in this same run. Dropping
  // one candidate can make another one's digest shared again: repeat until nothing changes.
  let decisions = first;
  for (;;) {
    const leaving = new Set(decisions.filter((d) => d.action === 'delete-tag').map((d) => d.shortTag));
    let changed = false;
    decisions = decisions.map((decision) => {
      if (decision.action !== 'delete-tag') return decision;
      const sharing = [...input.tagDigests]
        .filter(
          ([tag, digest]) =>
            digest === decision.record.digest && tag !== decision.shortTag && !leaving.has(tag),
        )
        .map(([tag]) => tag)
        .sort();
      if (sharing.length === 0) return decision;
      changed = true;
      return {
        action: 'keep',
        record: decision.record,
        shortTag: decision.shortTag,
        reason: `its image is also tagged ${sharing.join(', ')}`,
      };
    });
    if (!changed) return decisions;
  }
}

/** A deleted agent whose Secrets may remain, from this store's tombstone. */
export interface ReleasedAgent {
  name: string;
  deletedAt: string;
}

/**
 * Names this store deleted (its tombstones) that nothing uses any more: `inUse` holds the
 * store's live names and every agent name that objects of any fleet still carry.
 */
export function releasedAgents(
  tombstones: readonly ReleasedAgent[],
  inUse: ReadonlySet<string>,
): ReleasedAgent[] {
  return tombstones
    .filter((tombstone) => !inUse.has(tombstone.name))
    .map(({ name, deletedAt }) => ({ name, deletedAt }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface SecretSummary {
  name: string;
  type?: string;
  creationTimestamp?: string;
  uid?: string;
  resourceVersion?: string;
}

export type SecretDecision =
  | { action: 'delete'; secret: SecretSummary; agent: string }
  | { action: 'keep'; secret: SecretSummary; agent: string; reason: string };

/**
 * The Secrets named after a released agent, each with what to do. Secrets not named
 * `<released agent>.*` are not mentioned at all: they are not gc's business.
 */
export function planSecrets(
  secrets: readonly SecretSummary[],
  released: readonly ReleasedAgent[],
  platformSecrets: ReadonlySet<string>,
): SecretDecision[] {
  const deletedAt = new Map(released.map((agent) => [agent.name, Date.parse(agent.deletedAt)]));
  const decisions: SecretDecision[] = [];
  for (const secret of [...secrets].sort((a, b) => a.name.localeCompare(b.name))) {
    const dot = secret.name.indexOf('.');
    const agent = dot > 0 ? secret.name.slice(0, dot) : '';
    const at = deletedAt.get(agent);
    if (at === undefined) continue;
    const keep = (reason: string) => decisions.push({ action: 'keep', secret, agent, reason });
    const created = Date.parse(secret.creationTimestamp ?? '');
    if (platformSecrets.has(secret.name)) keep('it is one of the platform’s own Secrets');
    else if ((secret.type ?? 'Opaque') !== 'Opaque') keep(`its type is ${secret.type}, not Opaque`);
    else if (!(created < at))
      keep(
        `it was created after ${agent} was deleted (${new Date(at).toISOString()}): it may be meant for a new ${agent}`,
      );
    else decisions.push({ action: 'delete', secret, agent });
  }
  return decisions;
}
