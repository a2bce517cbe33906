/**
 * Errors the command itself raises, each mapped to an exit code by `failure.ts`: a usage
 * mistake (exit 2) or unusable input such as a missing or malformed file (exit 1).
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The verb whose help to point at, when there is one. */
  readonly verb: string | undefined;
  constructor(message: string, verb?: string) {
    super(message);
    this.verb = verb;
  }
}

export class InputError extends Error {
  override readonly name = 'InputError';
}
