/**
 * Ends a page of GET /deployments early when its answer would be larger than the platform
 * carries (DigitalOcean: 1 MB, the body JSON-escaped once more inside the function's result).
 * The cut page's `next` is its last agent, so `continue` picks up right after it: a client
 * that follows `continue` sees every agent once, whatever they weigh.
 */

export interface Page<T extends { name: string }> {
  items: T[];
  next?: string;
}

/** Bytes of `value` as the platform carries it: serialised, then escaped as a JSON string. */
const carried = (value: unknown) => JSON.stringify(JSON.stringify(value)).length;

export function fitPage<T extends { name: string }>(page: Page<T>, maxBytes: number): Page<T> {
  // The envelope `{"deployments":[...],"continue":"<token>"}` with a generous token.
  let used = carried({ deployments: [], continue: 'x'.repeat(120) });
  let fits = 0;
  for (const item of page.items) {
    used += carried(item) - 2 + 1;
    if (used > maxBytes) break;
    fits++;
  }
  if (fits === page.items.length) return page;
  // Always at least one agent, or a client could never get past a heavy one.
  const items = page.items.slice(0, Math.max(1, fits));
  return { items, next: (items.at(-1) as T).name };
}
