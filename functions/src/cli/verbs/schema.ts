/** `fleetplane schema`: the JSON Schema of agent.config.json (-o yaml prints it as YAML). */
import type { VerbContext } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { printData } from '../output.ts';

export async function run(context: VerbContext): Promise<number> {
  const { agentConfigJsonSchema } = await import('../../core/json-schema.ts');
  const schema = agentConfigJsonSchema();
  await printData(context, schema, () => JSON.stringify(schema, null, 2));
  return EXIT.ok;
}
