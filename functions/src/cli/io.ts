/**
 * What a command may touch of the world: two output streams, the environment, whether stderr
 * is a terminal, and a signal for Ctrl-C. The bin wires these to the process; tests to buffers.
 */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
  /** stderr is a terminal: progress may redraw lines in place. */
  stderrIsTTY?: boolean;
  /** Width of that terminal; lines are cut to it so a redraw never wraps. */
  columns?: number;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org) or TERM=dumb. */
export function wantsColor(io: Io): boolean {
  if (io.env.NO_COLOR) return false;
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0') return true;
  return Boolean(io.stderrIsTTY) && io.env.TERM !== 'dumb';
}
