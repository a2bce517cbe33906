/**
 * A small Dockerfile reader for the agent image: instructions in order, with line
 * continuations joined and comments dropped. Enough to find the base image (part of the
 * image tag) and to replay the steps that need no Docker in tests.
 *
 * It is not a general Dockerfile parser: no heredocs, no ARG substitution, no escapes.
 */

export interface Instruction {
  op: string;
  args: string;
}

export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const space = full.search(/\s/);
    out.push({ op: full.slice(0, space).toUpperCase(), args: full.slice(space + 1).trim() });
  }
  return out;
}

/** The single stage's base image reference ("node:24.21.0-bookworm-slim"). */
export function baseImage(instructions: Instruction[]): string {
  const from = instructions.filter((i) => i.op === 'FROM');
  if (from.length !== 1) throw new Error(`agent Dockerfile must have exactly one FROM, found ${from.length}`);
  const ref = from[0]!.args.split(/\s+/).find((a) => !a.startsWith('--'));
  if (!ref) throw new Error('FROM names no image');
  return ref;
}

/** ENV lines as a record; supports `KEY=value` pairs (no quotes) and legacy `KEY value`. */
export function envOf(instructions: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { op, args } of instructions) {
    if (op !== 'ENV') continue;
    if (!args.includes('=')) {
      const [key, ...rest] = args.split(/\s+/);
      if (key) env[key] = rest.join(' ');
      continue;
    }
    for (const pair of args.split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

/** ENTRYPOINT/CMD in exec (JSON array) form; shell form is refused (no shell signals). */
export function execForm(instructions: Instruction[], op: 'ENTRYPOINT' | 'CMD'): string[] | undefined {
  const found = instructions.filter((i) => i.op === op).at(-1);
  if (!found) return undefined;
  const parsed: unknown = JSON.parse(found.args);
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) {
    throw new Error(`${op} must use the exec (JSON array) form so node gets SIGTERM directly`);
  }
  return parsed;
}
