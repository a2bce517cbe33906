/**
 * The JSON Schema of `agent.config.json`, generated from the zod schema, so editors can
 * validate configs as they are written. Rules that a JSON Schema cannot express (limits
 * against requests, unique paths) are still enforced by the API.
 */
import { z } from 'zod';
import { agentConfigSchema } from './agent-config.ts';

export function agentConfigJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(agentConfigSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }),
    $id: 'https://fleetplane.io/schemas/agent.config.schema.json',
    title: 'fleetplane agent config',
  };
}
