/**
 * The `fleetplane` command: finds the verb, parses its flags, loads its code, runs it, and
 * turns whatever it throws into one line and an exit code (exit-codes.ts). Reads only what
 * `Io` gives it and never calls process.exit, so tests run it in process too.
 *
 * WARNING: keep this file's static imports to node:util and the verb table. Everything else
 * is imported when a verb runs; `fleetplane --help` must not load ky, zod or the core.
 */
import { parseArgs } from 'node:util';
import type { VerbContext } from './context.ts';
import { UsageError } from './errors.ts';
import { EXIT } from './exit-codes.ts';
import type { Io } from './io.ts';
import { commandHelp, GLOBAL_OPTIONS, VERBS, verbHelp } from './verbs.ts';

export type { Io } from './io.ts';

const OUTPUTS = new Set(['text', 'json', 'yaml']);

/** parseArgs' messages, made short and in our words. */
function usageFrom(error: unknown, verb: string): UsageError {
  const { code, message } = error as { code?: string; message: string };
  const flag = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown flag ${flag}`, verb);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return new UsageError(message.replace(/^Option /, 'flag ').split('. ')[0] as string, verb);
  return new UsageError(message, verb);
}

/** `unknown command "deplyo"; did you mean "deploy"?` (the suggester loads only here). */
async function unknownCommand(name: string): Promise<UsageError> {
  const { didYouMean } = await import('./suggest.ts');
  return new UsageError(`unknown command "${name}"${didYouMean(name, Object.keys(VERBS))}`);
}

export async function main(argv: string[], io: Io): Promise<number> {
  let verbName: string | undefined;
  let debug = argv.includes('--debug');
  let context: { url: string; token: boolean } | undefined;
  try {
    // First pass: only to find the verb (its own flags are not known yet).
    const first = parseArgs({ args: argv, options: GLOBAL_OPTIONS, allowPositionals: true, strict: false });
    verbName = first.positionals[0];
    if (verbName === 'help') {
      const topic = first.positionals[1];
      const verb = topic ? VERBS[topic] : undefined;
      if (topic && !verb) throw await unknownCommand(topic);
      io.out(verb ? verbHelp(verb) : commandHelp());
      return EXIT.ok;
    }
    if (!verbName) {
      if (first.values.version) {
        const { VERSION } = await import('../version.ts');
        io.out(`fleetplane ${VERSION}\n`);
        return EXIT.ok;
      }
      if (first.values.help) {
        io.out(commandHelp());
        return EXIT.ok;
      }
      io.err(commandHelp());
      return EXIT.usage;
    }
    const verb = Object.hasOwn(VERBS, verbName) ? VERBS[verbName] : undefined;
    if (!verb) throw await unknownCommand(verbName);

    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: argv,
        options: { ...GLOBAL_OPTIONS, ...verb.options },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw usageFrom(error, verbName);
    }
    const flags = parsed.values as VerbContext['flags'];
    debug = Boolean(flags.debug);
    if (flags.help) {
      io.out(verbHelp(verb));
      return EXIT.ok;
    }
    const args = parsed.positionals.slice(1);
    if (args.length < verb.args.length)
      throw new UsageError(`missing <${verb.args[args.length]}>: ${verb.usage}`, verbName);
    if (args.length > verb.args.length)
      throw new UsageError(`unexpected argument "${args[verb.args.length]}": ${verb.usage}`, verbName);
    const output = (flags.output as string | undefined) ?? 'text';
    if (!OUTPUTS.has(output)) throw new UsageError(`-o must be json or yaml (got "${output}")`, verbName);

    const { urlFrom, clientFactory } = await import('./context.ts');
    const url = verb.remote ? urlFrom(flags, io.env) : '';
    context = { url, token: Boolean(flags.token || io.env.FLEETPLANE_TOKEN) };
    const module = await verb.load();
    return await module.run({
      verb: verbName,
      args,
      flags,
      output: output as VerbContext['output'],
      io,
      debug,
      url,
      client: clientFactory(flags, io, url),
    });
  } catch (error) {
    const { reportFailure } = await import('./failure.ts');
    return reportFailure(error, io, {
      debug,
      verb: verbName,
      url: context?.url,
      tokenGiven: Boolean(context?.token),
    });
  }
}
