/**
 * The command's exit codes: scripts branch on these, the help and the README list them, and
 * tests assert them. Change one only with all three.
 */
export const EXIT = {
  /** Done: every agent reached what was asked, or the data was printed. */
  ok: 0,
  /** Failed: an agent failed or timed out, a config is invalid, the API refused the request. */
  failed: 1,
  /** Usage: an unknown command or flag, a missing or malformed argument. */
  usage: 2,
  /** The control plane could not be used: unreachable, unavailable (5xx after retries), token refused. */
  unreachable: 3,
  /** Interrupted (Ctrl-C) while waiting; what was already sent goes on without us. */
  interrupted: 130,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0    done
  1    failed: an agent failed or timed out, a config is invalid, the API refused the request
  2    usage: unknown command or flag, missing or malformed argument
  3    the control plane could not be used: unreachable, unavailable (5xx after retries),
       or the token was refused (401/403)
  130  interrupted while waiting (what was sent goes on; see 'fleetplane status')`;
