/**
 * Whatever a verb throws becomes one line a person can act on, and an exit code (see
 * exit-codes.ts). The stack trace and the failing call are shown with --debug only.
 * Never prints a token.
 */
import { ApiError, UnreachableError } from '../client/errors.ts';
import { InputError, UsageError } from './errors.ts';
import { EXIT } from './exit-codes.ts';
import type { Io } from './io.ts';

export interface FailureContext {
  debug: boolean;
  verb: string | undefined;
  url: string | undefined;
  /** Whether a token was sent (flag or env): a 401 then means a wrong one, not a missing one. */
  tokenGiven: boolean;
}

/** Field errors, one `path: message` per line, as `validate` and the API state them. */
export function fieldLines(errors: readonly { path: string; message: string }[]): string {
  return errors.map((error) => `${error.path}: ${error.message}\n`).join('');
}

function describe(
  error: unknown,
  context: FailureContext,
): { line: string; code: number; unexpected?: boolean } {
  if (error instanceof UsageError) {
    const help = error.verb ? `fleetplane ${error.verb} --help` : 'fleetplane --help';
    return { line: `${error.message} (see '${help}')`, code: EXIT.usage };
  }
  if (error instanceof InputError) return { line: error.message, code: EXIT.failed };
  if (error instanceof UnreachableError)
    return {
      line: `${error.message}; is it running? Set --url or FLEETPLANE_URL to where it answers`,
      code: EXIT.unreachable,
    };
  if (error instanceof ApiError) {
    const { status, problem } = error;
    if (status === 401 || status === 403) {
      const where = `the control plane at ${context.url}`;
      const line =
        status === 403
          ? `${where} does not allow this token to do that (403): ${problem.detail}; 'fleetplane whoami' shows the token's scope`
          : context.tokenGiven
            ? `${where} refused the token (401): ${problem.detail}; check --token or FLEETPLANE_TOKEN`
            : `${where} wants a token (401): ${problem.detail}; set FLEETPLANE_TOKEN (or --token)`;
      return { line, code: EXIT.unreachable };
    }
    if (status >= 500) {
      const wait = error.retryAfterSeconds ? `; it asks to retry after ${error.retryAfterSeconds} s` : '';
      const id = problem.requestId ? ` (request id ${problem.requestId})` : '';
      return {
        line: `the control plane cannot do this now (${status} ${problem.title}): ${problem.detail}${wait}${id}`,
        code: EXIT.unreachable,
      };
    }
    const fields = problem.errors?.length ? `:\n${fieldLines(problem.errors).trimEnd()}` : '';
    return { line: `${problem.detail} (${status} ${problem.title})${fields}`, code: EXIT.failed };
  }
  if ((error as Error)?.name === 'AbortError' || (error as Error)?.name === 'Interrupted')
    return { line: 'interrupted', code: EXIT.interrupted };
  return { line: (error as Error)?.message ?? String(error), code: EXIT.failed, unexpected: true };
}

export function reportFailure(error: unknown, io: Io, context: FailureContext): number {
  const { line, code, unexpected } = describe(error, context);
  io.err(`fleetplane: ${line}\n`);
  if (context.debug) {
    if (error instanceof ApiError) io.err(`call: ${error.call}\nproblem: ${JSON.stringify(error.problem)}\n`);
    io.err(`${(error as Error)?.stack ?? String(error)}\n`);
    const cause = (error as Error)?.cause;
    if (cause) io.err(`caused by: ${(cause as Error)?.stack ?? String(cause)}\n`);
  } else if (unexpected) io.err('(run with --debug for the stack trace)\n');
  return code;
}
