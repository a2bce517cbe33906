/**
 * Doctor's store section: the bucket answers and exists; it enforces conditional writes (the
 * store's own probe, store/write-conditions.ts: the control plane refuses a store that does
 * not, so a user must learn it here first); it serves part 1 of an object and byte ranges, as
 * Kaniko reads build contexts; and every scratch key doctor wrote is gone again.
 *
 * Writes only under `probes/doctor-<id>/` and removes what it wrote, whatever fails.
 */
import { randomUUID } from 'node:crypto';
import type { BlobStore, RangedReads } from '../store/blob-store.ts';
import { ignoredCondition, probeWriteConditions } from '../store/write-conditions.ts';
import { type CheckResult, checksOf, messageOf } from './check.ts';

/** What the store section needs of the bucket (S3Blobs has it all). */
export interface StoreProbeTarget extends BlobStore, RangedReads {
  bucketExists(): Promise<boolean>;
}

const { ok, fail } = checksOf('store');

/** 96 KiB of varied bytes: more than one range, and a checksum that means something. */
function scratchBody(): Uint8Array {
  const body = new Uint8Array(96 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = (i * 31 + (i >> 8)) & 0xff;
  return body;
}

const same = (a: Uint8Array | undefined, b: Uint8Array) =>
  a !== undefined && a.length === b.length && a.every((byte, i) => byte === b[i]);

async function rangedReads(store: StoreProbeTarget, key: string): Promise<CheckResult> {
  const body = scratchBody();
  await store.put(key, body, {}, { contentType: 'application/gzip' });
  const part = await store.getPart(key, 1);
  if (!same(part, body))
    return fail(
      'part-get',
      `a GET of part 1 (partNumber=1) answered ${part ? `${part.length} bytes that differ from the ${body.length} written` : 'no object'}: Kaniko reads build contexts this way and would fail`,
      'use an S3 service that supports GetObject with partNumber (Spaces, AWS S3, MinIO do), or pin an image you build yourself (FLEETPLANE_RUNTIME_IMAGE)',
    );
  const range = await store.getRange(key, 1000, 1999);
  if (!same(range, body.slice(1000, 2000)))
    return fail(
      'part-get',
      `a ranged GET (bytes=1000-1999) answered ${range ? `${range.length} bytes, not the 1000 asked for` : 'no object'}`,
      'use an S3 service that honours Range (Spaces, AWS S3, MinIO do)',
    );
  return ok(
    'part-get',
    `part 1 (partNumber=1) and a byte range read back what was written, as Kaniko reads a build context`,
  );
}

export async function storeChecks(store: StoreProbeTarget): Promise<CheckResult[]> {
  const where = store.description;
  let exists: boolean;
  try {
    exists = await store.bucketExists();
  } catch (error) {
    return [
      fail(
        'bucket',
        `the store at ${where} cannot be used: ${messageOf(error)}`,
        'check FLEETPLANE_S3_ENDPOINT (https://<region>.digitaloceanspaces.com) and the key in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (doctl spaces keys list)',
      ),
    ];
  }
  if (!exists)
    return [
      fail(
        'bucket',
        `${where} answers, but the bucket does not exist`,
        'create it (the control panel, or any S3 client) in the region of FLEETPLANE_S3_ENDPOINT, or correct FLEETPLANE_STORE',
      ),
    ];
  const results = [ok('bucket', `${where} answers with these keys, and the bucket exists`)];
  const scratch = `probes/doctor-${randomUUID().slice(0, 8)}/`;
  try {
    const probe = await probeWriteConditions(store, `${scratch}conditions.json`);
    const ignored = ignoredCondition(probe);
    results.push(
      ignored
        ? fail(
            'write-conditions',
            `the store accepted writes it must refuse: it ignores ${ignored}, so two deploys at once could overwrite each other; the control plane refuses to run on it`,
            'use a backend that enforces conditional writes (AWS S3, a recent MinIO); on DigitalOcean Spaces, contact support, as its docs do not say it does',
          )
        : ok(
            'write-conditions',
            'a create over an existing key (If-None-Match: *) and a stale If-Match were both refused',
          ),
    );
    results.push(await rangedReads(store, `${scratch}context.tar.gz`));
  } catch (error) {
    results.push(
      fail(
        'writes',
        `writing scratch keys under ${scratch} failed: ${messageOf(error)}`,
        'give the control plane\'s Spaces key read and write access to the bucket (doctl spaces keys create ... --grants "bucket=<bucket>;permission=readwrite")',
      ),
    );
  } finally {
    await store.delete(`${scratch}context.tar.gz`).catch(() => undefined);
    await store.delete(`${scratch}conditions.json`).catch(() => undefined);
  }
  const left = await store.list(scratch).then(
    (page) => page.keys,
    (error: unknown) => [`(cannot list: ${messageOf(error)})`],
  );
  results.push(
    left.length
      ? fail(
          'cleanup',
          `scratch keys are left under ${scratch}: ${left.join(', ')}`,
          `delete them: the keys under ${scratch} in the bucket`,
        )
      : ok('cleanup', `nothing left under ${scratch}`),
  );
  return results;
}
