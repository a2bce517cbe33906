/**
 * Stable hashing of plain data: the same value always gives the same digest, whatever the
 * key order. Used for config checksums, spec hashes and content-addressed image tags.
 */
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal values serialise equally. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key];
    return sorted;
  });
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hashOf(value: unknown): string {
  return sha256Hex(stableStringify(value));
}
