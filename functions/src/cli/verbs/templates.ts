/** `fleetplane templates`: the templates a config can name, with their defaults. */
import type { VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { printData, table } from '../output.ts';

export async function run(context: VerbContext): Promise<number> {
  const templates = await (await context.client()).templates();
  await printData(context, { templates }, () =>
    table(
      ['NAME', 'SLUG', 'MODEL', 'CPU', 'MEMORY', 'ENDPOINTS'],
      templates.map((t) => [
        t.name,
        t.slug,
        t.model,
        t.resources.cpu,
        t.resources.memory,
        t.endpoints.join(','),
      ]),
    ),
  );
  return EXIT.ok;
}
