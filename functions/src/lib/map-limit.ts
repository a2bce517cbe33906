/**
 * Bounded concurrency for many independent calls (store reads, applies, agents of a sweep):
 * at most `limit` in flight, results in input order. A rejection rejects the whole call, as
 * Promise.all would; callers that want per-item outcomes catch inside `task`.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
