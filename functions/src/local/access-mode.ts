/**
 * Who may drive the local server: nobody but its user. Open (no token) only when it listens
 * on loopback and no token hashes are configured; listening anywhere else without hashes, it
 * makes one random token for this run, and the caller prints it once on stderr.
 *
 * It must never put the token in the environment it returns (only its hash) nor log it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isLoopbackName } from './request-guards.ts';

export type AccessMode =
  | { kind: 'open' }
  | { kind: 'configured-tokens' }
  /** `token` is for the one line on stderr; the app sees only its hash. */
  | { kind: 'generated-token'; token: string; hash: string };

export function accessMode(host: string, tokenHashes: string | undefined): AccessMode {
  if (tokenHashes?.trim()) return { kind: 'configured-tokens' };
  if (isLoopbackName(host)) return { kind: 'open' };
  const token = randomBytes(32).toString('hex');
  return { kind: 'generated-token', token, hash: createHash('sha256').update(token).digest('hex') };
}

/** The line that hands a generated token to the user (stderr, never the JSON log). */
export function tokenNotice(host: string, token: string): string {
  return [
    `fleetplane: HOST=${host} is not loopback and FLEETPLANE_API_TOKEN_HASHES is not set, so this run accepts one generated token:`,
    `  ${token}`,
    '  send "Authorization: Bearer <token>"; set FLEETPLANE_API_TOKEN_HASHES to choose your own.',
    '',
  ].join('\n');
}
