/** A stored agent record for store tests: generation and spec hash chosen by the test. */

import type { AgentRecord } from '../../functions/src/core/agent-record.ts';
import { validateAgentConfig } from '../../functions/src/core/agent-spec.ts';

const result = validateAgentConfig({ name: 'stored' });
if (!result.ok) throw new Error('the stored-record fixture is not a valid config');
const spec = result.spec;

export function storedRecord(generation: number, specHash = `h${generation}`): AgentRecord {
  return {
    apiVersion: 'fleetplane.io/v1',
    name: 'stored',
    generation,
    specHash,
    spec,
    createdAt: 't',
    updatedAt: 't',
    cause: { kind: 'deploy' },
  };
}
