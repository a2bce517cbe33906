/**
 * Where a field error points in the JSON text: the API names fields by path
 * ("scaling.replicas", "env[2].name", "agents[0].name"); the editor needs a line. This scans
 * valid JSON once and records the offset of every member's key and every array element.
 *
 * Pure. Paths are formatted exactly as the API's field errors format them.
 */

export function pathOffsets(text: string): Map<string, number> {
  const offsets = new Map<string, number>([['(root)', text.search(/\S|$/)]]);
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  const readString = (): string => {
    const start = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const readValue = (path: string): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      i++;
      skipSpace();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        skipSpace();
        const at = i;
        const key = readString();
        const member = path === '' ? key : `${path}.${key}`;
        offsets.set(member, at);
        skipSpace();
        i++; // ':'
        readValue(member);
        skipSpace();
        if (text[i++] !== ',') return;
      }
    }
    if (c === '[') {
      i++;
      skipSpace();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let index = 0; ; index++) {
        skipSpace();
        const element = `${path}[${index}]`;
        offsets.set(element, i);
        readValue(element);
        skipSpace();
        if (text[i++] !== ',') return;
      }
    }
    if (c === '"') {
      readString();
      return;
    }
    while (i < text.length && !/[\s,\]}]/.test(text[i] as string)) i++;
  };
  try {
    readValue('');
  } catch {
    // Only valid JSON is scanned; a surprise leaves the offsets found so far.
  }
  return offsets;
}

/** The offset for a path, or for its nearest ancestor that exists (a missing field's parent). */
export function offsetOf(offsets: Map<string, number>, path: string): number {
  let current = path;
  for (;;) {
    const found = offsets.get(current);
    if (found !== undefined) return found;
    const cut = Math.max(current.lastIndexOf('.'), current.lastIndexOf('['));
    if (cut <= 0) return offsets.get('(root)') ?? 0;
    current = current.slice(0, cut);
  }
}

/** The offset a JSON.parse error message names ("… at position 42 …"), if any. */
export function syntaxErrorOffset(message: string): number | undefined {
  const match = /position (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
}

/** 1-based line of an offset. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}
