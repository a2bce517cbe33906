/**
 * How deep and how wide a JSON value is, measured without recursion and given up as soon as
 * it passes the caps: a free-form field of a config (`integrations`) is untrusted, and a value
 * nested a few thousand levels deep overflows the stack of any recursive walk (hashing,
 * serialising) that comes after validation.
 *
 * Pure.
 */

export interface JsonCaps {
  /** Most levels of objects and arrays, the value itself being level 1. */
  maxDepth: number;
  /** Most object keys and array items, counted over every level. */
  maxEntries: number;
}

export type JsonExtent =
  | { within: true; depth: number; entries: number }
  | { within: false; exceeded: 'depth' | 'entries' };

export function jsonExtent(value: unknown, caps: JsonCaps): JsonExtent {
  let depth = 0;
  let entries = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [current, level] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object') continue;
    if (level > caps.maxDepth) return { within: false, exceeded: 'depth' };
    depth = Math.max(depth, level);
    const children = Array.isArray(current) ? current : Object.values(current);
    entries += children.length;
    if (entries > caps.maxEntries) return { within: false, exceeded: 'entries' };
    for (const child of children) stack.push([child, level + 1]);
  }
  return { within: true, depth, entries };
}
