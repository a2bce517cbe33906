/**
 * The JSON Schema of `agent.config.json`, generated from the zod schema, so editors can
 * validate configs as they are written. Cross-field rules JSON Schema can state ride on the
 * zod schemas' `.meta()` (provider needs baseUrl or apiKey, an env item exactly one of value
 * or secretRef, reserved and secret-looking names, no "chat" with openaiCompatible false);
 * those it cannot (limits against requests, unique paths, Secret ownership) are named in the
 * root description and enforced by the API. `npx fleetplane schema` prints it;
 * examples/agent.config.schema.json is that output, kept equal by a test.
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
