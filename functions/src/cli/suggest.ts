/**
 * "Did you mean": the known name closest to a mistyped one (`deplyo` -> `deploy`), by edit
 * distance. Loaded only when a name is unknown, so a good command never pays for it.
 */
import { closestMatch } from 'leven';

/** The candidate within a few edits of `typed` (about a third of its length, at least 2), if any. */
export function closestName(typed: string, candidates: readonly string[]): string | undefined {
  const maxDistance = Math.max(2, Math.floor(typed.length / 3));
  return closestMatch(typed.toLowerCase(), candidates, { maxDistance });
}

/** `; did you mean "deploy"?`, or nothing when no name is close. */
export function didYouMean(typed: string, candidates: readonly string[]): string {
  const closest = closestName(typed, candidates);
  return closest ? `; did you mean "${closest}"?` : '';
}
