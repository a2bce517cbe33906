/**
 * Following logs by polling their tail: which lines of a new tail were not in the last one.
 * The API gives no cursor, so the new lines are those after the longest overlap between the
 * end of the previous tail and the start of the new one. Pure.
 */
export function newLines(previous: readonly string[], current: readonly string[]): string[] {
  for (let overlap = Math.min(previous.length, current.length); overlap > 0; overlap--) {
    let same = true;
    for (let i = 0; i < overlap && same; i++) same = previous[previous.length - overlap + i] === current[i];
    if (same) return current.slice(overlap);
  }
  return [...current];
}
