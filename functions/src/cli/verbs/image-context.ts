/**
 * `fleetplane image-context [--out FILE]`: the agent image's build context and its tag.
 * Without --out it writes into a new temporary directory, never into the working tree.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { printData } from '../output.ts';

export async function run(context: VerbContext): Promise<number> {
  const { buildContext } = await import('../../../../build-jobs/build-context.ts');
  // Built first: a context that cannot be built leaves no empty directory behind.
  const built = await buildContext();
  const out =
    (context.flags.out as string | undefined) ??
    join(await mkdtemp(join(tmpdir(), 'fleetplane-image-')), 'agent-runtime-context.tar.gz');
  await writeFile(out, built.tarGz);
  const registry = context.io.env.FLEETPLANE_REGISTRY || 'registry.digitalocean.com/<your-registry>';
  const image = `${registry}/agent-runtime:${built.tag.slice(0, 12)}`;
  await printData(
    context,
    { file: out, files: built.files, tag: built.tag, image },
    () =>
      `wrote ${out} (${built.files.join(', ')}), tag ${built.tag}\n` +
      `build and push it, then set FLEETPLANE_RUNTIME_IMAGE=${image}:\n` +
      `  docker build -t ${image} - < ${out} && docker push ${image}`,
  );
  return EXIT.ok;
}
