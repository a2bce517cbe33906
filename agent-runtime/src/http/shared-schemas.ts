/**
 * Request schemas shared by every app with the same parameters: a pool builds one app per
 * agent, and a zod schema per route per app was most of an app's memory (about 100 KB each,
 * more once zod has compiled it on first use). Schemas are immutable, so sharing is safe.
 *
 * Bounded: past MAX_SHARED distinct keys a schema is made afresh instead of kept.
 */
const MAX_SHARED = 2_048;

export function sharedBy<A extends unknown[], V>(key: (...args: A) => string, make: (...args: A) => V) {
  const cache = new Map<string, V>();
  return (...args: A): V => {
    const id = key(...args);
    const found = cache.get(id);
    if (found !== undefined) return found;
    const made = make(...args);
    if (cache.size < MAX_SHARED) cache.set(id, made);
    return made;
  };
}
