/** What gc may delete: only what this store built and nothing names, and Secrets only with proof. */
import { describe, expect, it } from 'vitest';
import { type BuildRecord, planImages, planSecrets, releasedAgents } from './gc-plan.ts';

const REPO = 'registry.example/acme/agent-runtime';
const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const DAY = 86_400;
const NOW = Date.parse('2026-06-01T00:00:00Z');
const daysAgo = (days: number) => new Date(NOW - days * DAY * 1000).toISOString();

const record = (tag12: string, d: string, builtDaysAgo = 3): BuildRecord => ({
  image: `${REPO}:${tag12}`,
  tag: tag12.padEnd(64, '0'),
  digest: d,
  job: `build-${tag12}`,
  builtAt: daysAgo(builtDaysAgo),
  recordedAt: daysAgo(builtDaysAgo),
});

const plan = (
  records: BuildRecord[],
  tags: Record<string, string>,
  kept: { tags?: string[]; digests?: string[] } = {},
) =>
  planImages({
    records,
    tagDigests: new Map(Object.entries(tags)),
    keptTags: new Set(kept.tags ?? []),
    keptDigests: new Set(kept.digests ?? []),
    now: NOW,
    minAgeSeconds: DAY,
  }).map((d) => (d.action === 'keep' ? `${d.shortTag} keep: ${d.reason}` : `${d.shortTag} ${d.action}`));

describe('the image plan', () => {
  it('deletes by tag what this store built and nothing uses, once old enough', () => {
    expect(
      plan([record('aaaaaaaaaaaa', digest(1)), record('bbbbbbbbbbbb', digest(2))], {
        aaaaaaaaaaaa: digest(1),
        bbbbbbbbbbbb: digest(2),
      }),
    ).toEqual(['aaaaaaaaaaaa delete-tag', 'bbbbbbbbbbbb delete-tag']);
  });

  it('keeps what runs, by tag or by digest', () => {
    expect(
      plan(
        [record('aaaaaaaaaaaa', digest(1)), record('bbbbbbbbbbbb', digest(2))],
        { aaaaaaaaaaaa: digest(1), bbbbbbbbbbbb: digest(2) },
        { tags: ['aaaaaaaaaaaa'], digests: [digest(2)] },
      ),
    ).toEqual(['aaaaaaaaaaaa keep: in use', 'bbbbbbbbbbbb keep: in use']);
  });

  // The attack on the old gc: it deleted by digest, so `stable` naming the same image went too.
  it('never touches a digest another tag still names', () => {
    expect(plan([record('aaaaaaaaaaaa', digest(1))], { aaaaaaaaaaaa: digest(1), stable: digest(1) })).toEqual(
      ['aaaaaaaaaaaa keep: its image is also tagged stable'],
    );
  });

  it('deletes two of its own tags naming one image together, unless a third keeps it', () => {
    const both = [record('aaaaaaaaaaaa', digest(1)), record('bbbbbbbbbbbb', digest(1))];
    expect(plan(both, { aaaaaaaaaaaa: digest(1), bbbbbbbbbbbb: digest(1) })).toEqual([
      'aaaaaaaaaaaa delete-tag',
      'bbbbbbbbbbbb delete-tag',
    ]);
    // One of them too young: it stays, so the other's image is still named, and stays too.
    const young = [record('aaaaaaaaaaaa', digest(1)), record('bbbbbbbbbbbb', digest(1), 0)];
    expect(plan(young, { aaaaaaaaaaaa: digest(1), bbbbbbbbbbbb: digest(1) })).toEqual([
      'aaaaaaaaaaaa keep: its image is also tagged bbbbbbbbbbbb',
      expect.stringMatching(/^bbbbbbbbbbbb keep: built 0 s ago, younger than the minimum age of 86400 s/),
    ]);
  });

  it('leaves a tag someone pushed over, and forgets a record whose tag is gone', () => {
    expect(
      plan([record('aaaaaaaaaaaa', digest(1)), record('bbbbbbbbbbbb', digest(2))], {
        aaaaaaaaaaaa: digest(9),
      }),
    ).toEqual([
      `aaaaaaaaaaaa keep: the tag now names ${digest(9)}, not the image this store built (${digest(1)}): someone pushed over it`,
      'bbbbbbbbbbbb forget',
    ]);
  });

  it('never plans a tag nobody recorded, whatever the repository holds', () => {
    expect(plan([], { aaaaaaaaaaaa: digest(1), cccccccccccc: digest(3) })).toEqual([]);
  });
});

describe('released agents and their Secrets', () => {
  const deletedAt = '2026-05-01T00:00:00.000Z';
  const released = releasedAgents(
    [
      { name: 'support-bot', deletedAt },
      { name: 'redeployed', deletedAt },
      { name: 'still-there', deletedAt },
    ],
    new Set(['redeployed', 'still-there']),
  );

  it('are names this store deleted that no record or object carries any more', () => {
    expect(released).toEqual([{ name: 'support-bot', deletedAt }]);
  });

  it('go only when named <agent>.*, Opaque, created before the deletion and not the platform’s', () => {
    const before = '2026-04-01T00:00:00Z';
    const decisions = planSecrets(
      [
        { name: 'support-bot.db', type: 'Opaque', creationTimestamp: before, uid: 'u1' },
        { name: 'support-bot.keys', type: 'Opaque', creationTimestamp: '2026-05-02T00:00:00Z' },
        { name: 'support-bot.tls', type: 'kubernetes.io/tls', creationTimestamp: before },
        { name: 'support-bot.provider', type: 'Opaque', creationTimestamp: before },
        { name: 'support-bot.undated', type: 'Opaque' },
        { name: 'support-bot-other.db', type: 'Opaque', creationTimestamp: before },
        { name: 'support.db', type: 'Opaque', creationTimestamp: before },
        { name: 'fleetplane-provider', type: 'Opaque', creationTimestamp: before },
      ],
      released,
      new Set(['support-bot.provider']),
    );
    expect(
      decisions.map((d) =>
        d.action === 'delete' ? `${d.secret.name} delete` : `${d.secret.name} keep: ${d.reason}`,
      ),
    ).toEqual([
      'support-bot.db delete',
      'support-bot.keys keep: it was created after support-bot was deleted (2026-05-01T00:00:00.000Z): it may be meant for a new support-bot',
      'support-bot.provider keep: it is one of the platform’s own Secrets',
      'support-bot.tls keep: its type is kubernetes.io/tls, not Opaque',
      'support-bot.undated keep: it was created after support-bot was deleted (2026-05-01T00:00:00.000Z): it may be meant for a new support-bot',
    ]);
  });
});
