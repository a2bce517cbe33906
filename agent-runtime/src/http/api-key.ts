/**
 * Optional per-agent API keys: `Authorization: Bearer <key>`, checked against the SHA-256
 * hashes the deployment provides (FLEETPLANE_AGENT_API_KEY_HASHES), in constant time.
 *
 * Only hashes are held in memory. Never log the header or the key; the rate limiter gets a
 * short prefix of the hash as the client's identity.
 */

const BEARER = /^Bearer[ \t]+(\S+)\s*$/i;

export type KeyCheckResult = { ok: true; id: string } | { ok: false; detail: string };
export type KeyCheck = (authorization: string | undefined) => Promise<KeyCheckResult>;

/** A checker of Authorization headers against the accepted hashes; `id` names a good key. */
export function keyCheck(acceptedHashes: readonly string[]): KeyCheck {
  const accepted = acceptedHashes
    .map((h) => hexToBytes(h.trim().toLowerCase()))
    .filter((h) => h.length === 32);
  return async (authorization) => {
    const match = BEARER.exec(authorization ?? '');
    if (!match)
      return { ok: false, detail: 'this agent requires an API key: send Authorization: Bearer <key>' };
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(match[1])));
    if (!matchesAny(digest, accepted))
      return { ok: false, detail: 'the API key is not accepted by this agent' };
    return { ok: true, id: bytesToHex(digest.subarray(0, 8)) };
  };
}

/** Compares against every accepted hash without stopping early, so timing reveals nothing. */
export function matchesAny(digest: Uint8Array, accepted: readonly Uint8Array[]): boolean {
  let found = 0;
  for (const hash of accepted) {
    let diff = 0;
    for (let i = 0; i < 32; i++) diff |= (digest[i] as number) ^ (hash[i] as number);
    found |= diff === 0 ? 1 : 0;
  }
  return found === 1;
}

/** Parses the comma-separated hex hashes of FLEETPLANE_AGENT_API_KEY_HASHES. */
export function parseKeyHashes(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => /^[0-9a-f]{64}$/.test(h));
}

function hexToBytes(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) return new Uint8Array(0);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
