/**
 * The part of the API server's and MinIO's request counters that the control plane makes, for
 * code that must count what one call cost (the benchmarks):
 *
 *   const counted = await countRequests(env, () => plane.sweep());
 *   counted.writes   // { 'APPLY services': 1 }: writes to the kinds agents are made of
 *   counted.reads    // { 'LIST deployments': 1, ... }: lists of those kinds and of pods
 *   counted.store    // { ListObjectsV2: 1 }: S3 calls on the environment's bucket
 *   counted.listed   // { deployments: 100, pods: 100, ... }: objects those LISTs answered
 *
 * Writes are CREATE/APPLY/PATCH/UPDATE/DELETE of the managed kinds, without status subresources
 * (pods and status updates are the controllers' and kwok's own). Reads are LISTs of those kinds
 * and of pods in a namespace, which is how the control plane observes: the controllers and kwok
 * watch instead and list cluster-wide, and their single-object GETs are left out. Other clients of the
 * same servers during `work` are counted too, so run nothing else meanwhile (the listed objects
 * are counted cluster-wide: a controller's relist meanwhile would count too).
 * Must never change anything on the servers.
 */
import { AGENT_KINDS } from '../../functions/src/core/agent-objects/types.ts';
import type { TestEnv } from '../env/types.ts';
import {
  apiServerCounts,
  minioRequestCounts,
  type RequestCounts,
  requestsBetween,
} from './request-counts.ts';

const MANAGED = new Set<string>(AGENT_KINDS.map((kind) => kind.plural));
const WRITES = new Set(['CREATE', 'APPLY', 'PATCH', 'UPDATE', 'DELETE', 'DELETECOLLECTION']);
const OBSERVED = new Set([...MANAGED, 'pods']);

export interface Counted<T> {
  result: T;
  writes: Record<string, number>;
  reads: Record<string, number>;
  store: Record<string, number>;
  /** Objects the API server's LISTs of the observed resources answered, per resource. */
  listed: Record<string, number>;
}

/** The differences of namespaced samples passing `keep`, keyed `<VERB> <resource>`. */
function namespacedBetween(
  before: RequestCounts,
  after: RequestCounts,
  keep: (labels: Record<string, string>) => boolean,
): Record<string, number> {
  const earlier = new Map(before.samples.map((s) => [JSON.stringify(s.labels), s.value]));
  const delta: Record<string, number> = {};
  for (const sample of after.samples) {
    if (sample.labels.scope === 'cluster' || !keep(sample.labels)) continue;
    const d = sample.value - (earlier.get(JSON.stringify(sample.labels)) ?? 0);
    const key = `${sample.labels.verb} ${sample.labels.resource}`;
    if (d) delta[key] = (delta[key] ?? 0) + d;
  }
  return delta;
}

export async function countRequests<T>(
  t: Pick<TestEnv, 'kubeconfigPath' | 's3'>,
  work: () => Promise<T>,
): Promise<Counted<T>> {
  const bucket = { bucket: t.s3.bucket };
  const [apiBefore, storeBefore] = await Promise.all([
    apiServerCounts(t.kubeconfigPath),
    minioRequestCounts(t.s3, bucket),
  ]);
  const result = await work();
  const [apiAfter, storeAfter] = await Promise.all([
    apiServerCounts(t.kubeconfigPath),
    minioRequestCounts(t.s3, bucket),
  ]);
  return {
    result,
    writes: namespacedBetween(
      apiBefore.requests,
      apiAfter.requests,
      (l) => WRITES.has(l.verb ?? '') && MANAGED.has(l.resource ?? '') && !l.subresource,
    ),
    reads: namespacedBetween(
      apiBefore.requests,
      apiAfter.requests,
      (l) => l.verb === 'LIST' && OBSERVED.has(l.resource ?? '') && !l.subresource,
    ),
    store: requestsBetween(storeBefore, storeAfter),
    listed: Object.fromEntries(
      Object.entries(requestsBetween(apiBefore.listed, apiAfter.listed)).filter(([resource]) =>
        OBSERVED.has(resource),
      ),
    ),
  };
}

export const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
