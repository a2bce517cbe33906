/**
 * Removes credentials from text a provider sent back before it is logged: the key we
 * used (a provider may quote it in a 401), anything shaped like an OpenAI-style key, and
 * bearer tokens.
 *
 * A best effort for logs; it is no licence to show provider text to callers.
 */

const KEY_SHAPED = /\bsk-[A-Za-z0-9_*-]{4,}/g;
const BEARER = /\b(Bearer)\s+[^\s"',]+/gi;

export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of secrets) {
    // Short placeholders ("unset", "x") would blank out ordinary words.
    if (secret && secret.length >= 8) out = out.split(secret).join('[redacted]');
  }
  return out.replace(KEY_SHAPED, 'sk-[redacted]').replace(BEARER, '$1 [redacted]');
}
