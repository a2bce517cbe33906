/**
 * What `fleetplane doctor` reports: one result per check, ok / warn / fail, what was checked
 * and found, and for a warning or a failure what to change. Sections run in order; a section's
 * checks are small functions over injected clients (see the *-checks.ts files beside this one).
 *
 * Must never put a credential in a result: the runner scrubs every value it was told is secret.
 */

export const SECTIONS = ['settings', 'store', 'registry', 'cluster', 'dns', 'functions'] as const;
export type Section = (typeof SECTIONS)[number];

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  section: Section;
  /** Short and stable, for scripts: `store.write-conditions`. */
  id: string;
  status: CheckStatus;
  /** What was checked and what was found, one sentence. */
  summary: string;
  /** For a warning or a failure: what to change, or the command that does it. */
  fix?: string;
}

/** A section's checks, built once per section, with its id prefix filled in. */
export function checksOf(section: Section) {
  const result = (status: CheckStatus, id: string, summary: string, fix?: string): CheckResult => ({
    section,
    id: `${section}.${id}`,
    status,
    summary,
    ...(fix ? { fix } : {}),
  });
  return {
    ok: (id: string, summary: string) => result('ok', id, summary),
    warn: (id: string, summary: string, fix?: string) => result('warn', id, summary, fix),
    fail: (id: string, summary: string, fix: string) => result('fail', id, summary, fix),
  };
}

/** The message of anything thrown, first line only (stack traces and bodies stay out). */
export const messageOf = (error: unknown) =>
  ((error as Error)?.message ?? String(error)).split('\n')[0] as string;
