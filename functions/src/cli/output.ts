/**
 * Data to stdout: as JSON or YAML for scripts (-o json|yaml), or as text for people (a table
 * or lines the verb composes). YAML's library is loaded only when asked for.
 */
import type { VerbContext } from './context.ts';

export async function printData(context: VerbContext, data: unknown, text: () => string): Promise<void> {
  if (context.output === 'json') context.io.out(`${JSON.stringify(data, null, 2)}\n`);
  else if (context.output === 'yaml') {
    const { stringify } = await import('yaml');
    context.io.out(stringify(data, { lineWidth: 0 }));
  } else {
    const body = text();
    if (body) context.io.out(body.endsWith('\n') ? body : `${body}\n`);
  }
}

/** Columns padded to their widest cell; the last column is never padded. */
export function table(header: string[], rows: (string | number | undefined)[][]): string {
  const cells = [header, ...rows.map((row) => row.map((cell) => (cell === undefined ? '' : String(cell))))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  return cells
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : (cell ?? '').padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
