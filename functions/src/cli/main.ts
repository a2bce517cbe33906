/**
 * The `fleetplane` command line: `render`, `validate` and `schema` need no infrastructure.
 * Reads files and env, writes to stdout/stderr, returns an exit code; never calls exit.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { agentConfigJsonSchema } from '../core/json-schema.ts';
import { envValue } from '../wiring/env.ts';
import { platformSettingsFromEnv } from '../wiring/settings.ts';
import { renderBody } from './render.ts';

const USAGE = `Usage:
  fleetplane render <config.json> [--format yaml|json] [--image REF] [--namespace NS] [--domain HOST] [--routing ingress|gateway|none]
  fleetplane validate <config.json>
  fleetplane schema
  fleetplane kubeconfig [--base64]      (uses KUBECONFIG, an admin's, to read the control plane's token)
  fleetplane image-context [--out FILE] (the agent image's build context and its content-addressed tag)
`;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
}

async function readJson(path: string, io: Io): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    io.err(`fleetplane: cannot read ${path}: ${(error as Error).message}\n`);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    io.err(`fleetplane: ${path} is not valid JSON: ${(error as Error).message}\n`);
    return undefined;
  }
}

export async function main(argv: string[], io: Io): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'yaml' },
      image: { type: 'string' },
      namespace: { type: 'string' },
      domain: { type: 'string' },
      routing: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      base64: { type: 'boolean' },
      out: { type: 'string', default: 'agent-runtime-context.tar.gz' },
    },
  });
  const [command, file] = positionals;
  if (values.help || !command) {
    io.out(USAGE);
    return command || values.help ? 0 : 2;
  }
  if (command === 'schema') {
    io.out(`${JSON.stringify(agentConfigJsonSchema(), null, 2)}\n`);
    return 0;
  }
  if (command === 'kubeconfig') {
    const path = envValue(io.env, 'KUBECONFIG')?.split(':')[0];
    if (!path) {
      io.err('fleetplane: set KUBECONFIG to an admin kubeconfig of the cluster\n');
      return 2;
    }
    const { serviceAccountKubeconfig } = await import('./kubeconfig.ts');
    const text = await serviceAccountKubeconfig(await readFile(path, 'utf8'), {
      namespace: 'fleetplane-system',
      secretName: 'fleetplane-control-plane-token',
    });
    io.out(values.base64 ? `${Buffer.from(text).toString('base64')}\n` : text);
    return 0;
  }
  if (command === 'image-context') {
    const { buildContext } = await import('../../../build-jobs/build-context.ts');
    const { writeFile } = await import('node:fs/promises');
    const context = await buildContext();
    await writeFile(values.out as string, context.tarGz);
    const registry = envValue(io.env, 'FLEETPLANE_REGISTRY') ?? 'registry.digitalocean.com/<your-registry>';
    const image = `${registry}/agent-runtime:${context.tag.slice(0, 12)}`;
    io.out(
      `wrote ${values.out} (${context.files.join(', ')}), tag ${context.tag}\n` +
        `build and push it, then set FLEETPLANE_RUNTIME_IMAGE=${image}:\n` +
        `  docker build -t ${image} - < ${values.out} && docker push ${image}\n`,
    );
    return 0;
  }
  if ((command !== 'render' && command !== 'validate') || !file) {
    io.err(USAGE);
    return 2;
  }
  if (values.format !== 'yaml' && values.format !== 'json') {
    io.err(`fleetplane: --format must be yaml or json (got "${values.format}")\n`);
    return 2;
  }
  const body = await readJson(file, io);
  if (body === undefined) return 1;
  const env = {
    ...io.env,
    ...(values.namespace ? { FLEETPLANE_NAMESPACE: values.namespace } : {}),
    ...(values.domain ? { FLEETPLANE_DOMAIN: values.domain } : {}),
    ...(values.routing ? { FLEETPLANE_ROUTING: values.routing } : {}),
  };
  const platform = platformSettingsFromEnv(env);
  const image = values.image ?? `${platform.registry}/agent-runtime:latest`;
  const outcome = renderBody(body, { format: values.format, image, platform });
  if (!outcome.ok) {
    io.err(`fleetplane: ${file} is not a valid agent config:\n${outcome.message}\n`);
    return 1;
  }
  if (command === 'validate') io.out(`${file}: valid\n`);
  else io.out(outcome.text);
  return 0;
}
