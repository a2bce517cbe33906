/**
 * Listing a large store on MinIO: 2,500 agents with 20 revisions each. The agents are listed
 * in pages of names only (a delimiter folds each agent's revisions into one prefix), counted
 * at the server: 52,500 objects cost 5 list pages and one read per agent, not 52 pages.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../functions/src/lib/map-limit.ts';
import { keys, RecordStore } from '../../functions/src/store/record-store.ts';
import { S3Blobs } from '../../functions/src/store/s3-blobs.ts';
import { testEnv } from '../env/inject.ts';
import { minioRequestCounts, requestsBetween } from '../support/request-counts.ts';
import { storedRecord } from '../support/stored-record.ts';

const AGENTS = 2_500;
const REVISIONS = 20;

describe('a store of 2,500 agents with 20 revisions each', () => {
  it('lists its agents in pages of names, reading no revision', async () => {
    const { s3 } = testEnv();
    const blobs = new S3Blobs({
      bucket: s3.bucket,
      prefix: `scale-${randomUUID().slice(0, 8)}`,
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    const started = Date.now();
    const writes = Array.from({ length: AGENTS }, (_, i) => `agent-${String(i).padStart(4, '0')}`).flatMap(
      (name) => [
        {
          key: keys.agent(name),
          body: JSON.stringify({ ...storedRecord(REVISIONS + 1), name, incarnation: 'i' }),
        },
        ...Array.from({ length: REVISIONS }, (_, g) => ({
          key: keys.revision(name, g + 1, 'i'),
          body: '{}',
        })),
      ],
    );
    await mapLimit(writes, 64, ({ key, body }) => blobs.put(key, body));
    const seeded = Date.now() - started;

    const before = await minioRequestCounts(s3, { bucket: s3.bucket });
    const listed = await new RecordStore(blobs).list();
    const after = await minioRequestCounts(s3, { bucket: s3.bucket });
    expect(listed).toHaveLength(AGENTS);
    // 2,500 keys and 2,500 prefixes, 1,000 entries a page; then one read per agent.
    expect(requestsBetween(before, after)).toEqual({ ListObjectsV2: 5, GetObject: AGENTS });
    expect(seeded).toBeGreaterThan(0);
  }, 600_000);
});
