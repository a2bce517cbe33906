/**
 * A JSON Schema `pattern` that matches letters in either case: JSON Schema patterns take no
 * flags, so `node_options` can only be refused like `NODE_OPTIONS` by spelling each letter as
 * `[Nn]`. Pure; only for literal text (letters, digits, `_`), never for a regex with escapes.
 */
export function caseless(literal: string): string {
  if (!/^[A-Za-z0-9_]*$/.test(literal)) throw new Error(`not a plain name: ${literal}`);
  return literal.replace(/[A-Za-z]/g, (letter) => `[${letter.toUpperCase()}${letter.toLowerCase()}]`);
}
