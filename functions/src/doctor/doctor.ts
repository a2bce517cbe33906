/**
 * `fleetplane doctor`'s runner: the sections in order (or the ones asked for), each bounded in
 * time, a section that throws reported as one failure instead of ending the run, and every
 * result scrubbed of the secret values it was given. Exit 0 only when nothing failed.
 *
 * Knows nothing of clients: each section is a function the caller wires.
 */
import { type CheckResult, messageOf, SECTIONS, type Section } from './check.ts';

export type SectionRun = () => Promise<CheckResult[]>;

export interface DoctorOptions {
  sections: Partial<Record<Section, SectionRun>>;
  /** Only these sections (default: all that are wired). */
  only?: readonly Section[];
  /** Values that must never appear in a result (keys, passwords, tokens). */
  secrets?: readonly string[];
  /** Per section; default 60 s. */
  timeoutMs?: number;
  /** Told each section's results as they come, for progress. */
  onSection?: (section: Section, results: CheckResult[]) => void;
}

export interface DoctorReport {
  ok: boolean;
  counts: Record<CheckResult['status'], number>;
  checks: CheckResult[];
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`)),
      ms,
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Replaces every secret (of at least 4 characters) in a text with [redacted]. */
export function scrub(text: string, secrets: readonly string[]): string {
  let scrubbed = text;
  for (const secret of secrets) if (secret.length >= 4) scrubbed = scrubbed.split(secret).join('[redacted]');
  return scrubbed;
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const checks: CheckResult[] = [];
  const secrets = options.secrets ?? [];
  for (const section of SECTIONS) {
    const run = options.sections[section];
    if (!run || (options.only && !options.only.includes(section))) continue;
    let results: CheckResult[];
    try {
      results = await withTimeout(run(), options.timeoutMs ?? 60_000);
    } catch (error) {
      results = [
        {
          section,
          id: `${section}.run`,
          status: 'fail',
          summary: `the ${section} checks could not finish: ${messageOf(error)}`,
          fix: 'run it again with --debug; if it persists, the failure above is what to fix',
        },
      ];
    }
    const clean = results.map((result) => ({
      ...result,
      summary: scrub(result.summary, secrets),
      ...(result.fix ? { fix: scrub(result.fix, secrets) } : {}),
    }));
    options.onSection?.(section, clean);
    checks.push(...clean);
  }
  const counts = { ok: 0, warn: 0, fail: 0 };
  for (const check of checks) counts[check.status]++;
  return { ok: counts.fail === 0, counts, checks };
}
