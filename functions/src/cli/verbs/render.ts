/**
 * `fleetplane render <file.json>`: the objects the control plane would apply, with no server.
 * -o json (or --format json) prints a JSON List; the default is multi-document YAML.
 */
import type { VerbContext } from '../context.ts';
import { UsageError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { readJsonFile } from '../read-json.ts';

export async function run(context: VerbContext): Promise<number> {
  const [file] = context.args as [string];
  const { flags, io } = context;
  const format =
    (flags.format as string | undefined) ?? (context.output === 'text' ? 'yaml' : context.output);
  if (format !== 'yaml' && format !== 'json')
    throw new UsageError(`--format must be yaml or json (got "${format}")`, 'render');
  const body = await readJsonFile(file);
  const [{ platformSettingsFromEnv }, { renderBody }] = await Promise.all([
    import('../../wiring/settings.ts'),
    import('../render.ts'),
  ]);
  const env = {
    ...io.env,
    ...(flags.namespace ? { FLEETPLANE_NAMESPACE: flags.namespace as string } : {}),
    ...(flags.domain ? { FLEETPLANE_DOMAIN: flags.domain as string } : {}),
    ...(flags.routing ? { FLEETPLANE_ROUTING: flags.routing as string } : {}),
  };
  const platform = platformSettingsFromEnv(env);
  const image = (flags.image as string | undefined) ?? `${platform.registry}/agent-runtime:latest`;
  const outcome = renderBody(body, { format, image, platform });
  if (!outcome.ok) {
    io.err(`fleetplane: ${file} is not a valid agent config:\n${outcome.message}\n`);
    return EXIT.failed;
  }
  io.out(outcome.text);
  return EXIT.ok;
}
