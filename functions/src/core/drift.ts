/**
 * What an apply would change, decided without asking the cluster: a rendered object is in
 * place when the listed (live) object holds every field the rendered one sets, with the same
 * value. Fields the API server defaults or other managers own are not ours and are ignored.
 * This is how the sweep and a status read tell "nothing to do" apart from drift (an object
 * edited or deleted by someone else, a new generation, a changed image) from one list call
 * per kind, and write nothing when nothing changed.
 *
 * Pure. WARNING: a value the API server rewrites would never match and be re-applied on every
 * sweep. Quantities are compared by value; any other such field is caught by the integration
 * test of a no-change sweep (zero writes).
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseQuantity } from './quantity.ts';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Resource amounts come back canonical ("1024Mi" as "1Gi", "1000m" as "1"): compare their values. */
const QUANTITY_PARENTS = new Set(['requests', 'limits']);

function sameScalar(rendered: unknown, live: unknown, parent: string | undefined): boolean {
  if (rendered === live) return true;
  if (parent && QUANTITY_PARENTS.has(parent) && typeof rendered === 'string' && typeof live === 'string') {
    const value = parseQuantity(rendered);
    return value !== undefined && value === parseQuantity(live);
  }
  return false;
}

/**
 * Whether `live` lacks, or holds another value for, any field that `rendered` sets. `parent`
 * is the key of the object holding the value (quantities sit under `requests` and `limits`).
 */
export function differs(rendered: unknown, live: unknown, parent?: string, key?: string): boolean {
  if (Array.isArray(rendered)) {
    if (!Array.isArray(live) || live.length < rendered.length) return true;
    return rendered.some((item, index) => differs(item, live[index], key));
  }
  if (isObject(rendered)) {
    if (!isObject(live)) return true;
    return Object.entries(rendered).some(
      ([field, value]) => value !== undefined && differs(value, live[field], key, field),
    );
  }
  return !sameScalar(rendered, live, parent);
}

const keyOf = (object: KubernetesObject) => `${object.kind}/${object.metadata?.name}`;

/** The rendered objects an apply must send (missing or drifted), and the live ones no longer rendered. */
export function planApply(
  rendered: KubernetesObject[],
  live: KubernetesObject[],
): { changed: KubernetesObject[]; leftovers: KubernetesObject[] } {
  const byKey = new Map(live.map((object) => [keyOf(object), object]));
  const wanted = new Set(rendered.map(keyOf));
  return {
    changed: rendered.filter((object) => differs(object, byKey.get(keyOf(object)))),
    leftovers: live.filter((object) => !wanted.has(keyOf(object))),
  };
}
