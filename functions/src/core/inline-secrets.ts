/**
 * Inline env values that are almost surely secrets, which a config must pass by secretRef
 * instead (a config is stored, listed in revisions and shown in responses; a Secret is not):
 * a value under a secret-looking name (`*_KEY`, `*_TOKEN`, ...), and a URL that carries
 * credentials (`postgres://user:pw@host`, `https://<token>@host`, `...?api_key=...`).
 *
 * Pure. Heuristics, stated as rules: a name or URL they miss is still the user's secret to
 * keep; they exist so that the common mistake gets a 422 instead of a stored secret.
 */
import { caseless } from './caseless-pattern.ts';

/** An inline value for a name like these is almost surely a secret: demand a secretRef. */
const SECRET_WORDS = ['KEY', 'SECRET', 'TOKEN', 'PASSWORD', 'PASSWD', 'CREDENTIAL'];
export const SECRET_LOOKING_NAME = new RegExp(`(${SECRET_WORDS.join('|')})S?$`, 'i');
/** The same rule as a JSON Schema `pattern` (no flags there: each letter in either case). */
export const SECRET_LOOKING_NAME_PATTERN = `(${SECRET_WORDS.map(caseless).join('|')})${caseless('S')}?$`;

/** `scheme://userinfo@`: a user name and/or password (or a token used as one) before the host. */
const URL_USERINFO = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@]+@/i;
/** A query parameter named like a secret (`?api_key=...`, `&token=...`, `&password=...`). */
const URL_SECRET_PARAM = /[?&]([a-z0-9_.-]*)=[^&#\s]/gi;

/** What makes an inline value a credential, or undefined when nothing does. */
export function credentialInValue(value: string): string | undefined {
  if (URL_USERINFO.test(value)) return 'a URL with credentials before the host (scheme://user:password@host)';
  for (const match of value.matchAll(URL_SECRET_PARAM))
    if (SECRET_LOOKING_NAME.test(match[1] as string) || /^(pwd|sig)$/i.test(match[1] as string))
      return `a URL with a secret in its query (${match[1]}=...)`;
  return undefined;
}
