/**
 * `fleetplane render <file>`: the manifests of one config or a batch, as multi-document YAML
 * (like `helm template`) or JSON, with no infrastructure at all.
 */
import { stringify } from 'yaml';
import { renderAgent } from '../core/agent-objects/render.ts';
import type { AgentObject } from '../core/agent-objects/types.ts';
import { agentPolicyOf } from '../core/agent-policy.ts';
import { checkDeployBody, deployBodyErrors } from '../core/deploy-request.ts';
import { formatFieldErrors } from '../core/field-errors.ts';
import { hashOf } from '../core/hash.ts';
import type { PlatformSettings } from '../core/platform.ts';

export interface RenderOptions {
  format: 'yaml' | 'json';
  image: string;
  platform: PlatformSettings;
}

export type RenderOutcome =
  | { ok: true; text: string; objects: AgentObject[] }
  | { ok: false; message: string };

export function renderBody(body: unknown, options: RenderOptions): RenderOutcome {
  const checked = checkDeployBody(body, {
    localAgents: true,
    // Manifests for a cluster: no agent of them runs as a local process.
    localProcesses: 'none',
    policy: agentPolicyOf(options.platform),
  });
  const errors = deployBodyErrors(checked);
  if (errors.length || !checked.ok) return { ok: false, message: formatFieldErrors(errors) };
  const objects = checked.agents.flatMap((agent) =>
    agent.ok
      ? renderAgent({
          spec: agent.spec,
          image: options.image,
          platform: options.platform,
          generation: 1,
          specHash: hashOf(agent.spec),
        })
      : [],
  );
  const text =
    options.format === 'json'
      ? `${JSON.stringify(objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`
      : objects.map((object) => `---\n${stringify(object, { lineWidth: 0 })}`).join('');
  return { ok: true, text, objects };
}
