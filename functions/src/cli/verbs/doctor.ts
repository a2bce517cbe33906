/**
 * `fleetplane doctor [--only SECTIONS] [--env-file FILE] [--kubeconfig FILE]`: checks a real
 * installation end to end with the settings the functions are deployed with (doctor/): a line
 * per check as each section finishes, or the whole report with -o json|yaml. Exit 0 only when
 * nothing failed. Changes nothing it does not put back.
 */
import { resolve } from 'node:path';
import { type CheckResult, type CheckStatus, SECTIONS, type Section } from '../../doctor/check.ts';
import { runDoctor } from '../../doctor/doctor.ts';
import { wireDoctor } from '../../doctor/from-env.ts';
import { deploySettings } from '../../wiring/dotenv.ts';
import { adminKubeconfig } from '../admin-kubeconfig.ts';
import type { VerbContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { wantsColor } from '../io.ts';
import { printData } from '../output.ts';

const COLOURS: Record<CheckStatus, string> = { ok: '\u001b[32m', warn: '\u001b[33m', fail: '\u001b[31m' };

function sectionsFrom(value: unknown): Section[] | undefined {
  if (value === undefined) return undefined;
  const names = String(value)
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(SECTIONS as readonly string[]).includes(name));
  if (unknown.length || !names.length)
    throw new UsageError(
      `--only takes sections among ${SECTIONS.join(', ')} (got "${String(value)}")`,
      'doctor',
    );
  return names as Section[];
}

/** One check as a line (and its fix on the next), e.g. `  ok    bucket        s3://... answers`. */
export function checkLines(results: CheckResult[], colour: boolean): string {
  return results
    .map((result) => {
      const status = result.status.padEnd(4);
      const shown = colour ? `${COLOURS[result.status]}${status}\u001b[0m` : status;
      const id = result.id.slice(result.section.length + 1).padEnd(18);
      const line = `  ${shown}  ${id} ${result.summary}`;
      return result.fix && result.status !== 'ok'
        ? `${line}\n        ${' '.repeat(18)} fix: ${result.fix}`
        : line;
    })
    .join('\n');
}

export async function run(context: VerbContext): Promise<number> {
  const { io, flags } = context;
  const only = sectionsFrom(flags.only);
  const envFile = resolve((flags['env-file'] as string | undefined) ?? '.env');
  const settings = deploySettings(io.env, envFile);
  const admin = adminKubeconfig(flags, io.env);
  const { sections, secrets } = wireDoctor({
    env: settings.env,
    envFile: settings.file,
    adminKubeconfig: admin.path,
    adminKubeconfigNamed: admin.named,
  });
  const text = context.output === 'text';
  const colour = text && wantsColor(io);
  if (text)
    io.out(
      `fleetplane doctor: ${settings.file ? `${settings.file} under the environment` : 'the environment (no .env)'}\n`,
    );
  const report = await runDoctor({
    sections,
    ...(only ? { only } : {}),
    secrets,
    onSection: (section, results) => {
      if (text) io.out(`\n${section}\n${checkLines(results, colour)}\n`);
    },
  });
  const { ok, warn, fail } = report.counts;
  if (text) io.out(`\n${ok} ok, ${warn} warning(s), ${fail} failed\n`);
  else await printData(context, report, () => '');
  return report.ok ? EXIT.ok : EXIT.failed;
}
