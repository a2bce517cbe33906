/**
 * POST /deploy: one agent config, or {"agents": [...]}. Every config is validated before
 * anything is written: one invalid agent rejects the whole request with each agent's field
 * errors, and one agent outside the token's scope refuses it whole (403). A batch then
 * answers per agent; one agent's failure does not stop the others.
 */
import { Hono } from 'hono';
import type { AgentSpec } from '../../core/agent-spec.ts';
import { checkDeployBody, type DeployTarget, deployBodyErrors } from '../../core/deploy-request.ts';
import { ValidationError } from '../../core/errors.ts';
import { authorize } from '../auth.ts';
import type { ControlPlaneProvider } from '../providers.ts';
import { deployBatchResponse, deployResponse } from '../responses.ts';
import { limitBody, readJsonBody } from '../validation.ts';

export const MAX_DEPLOY_BODY_BYTES = 1024 * 1024;

/**
 * `target` is read per request: the platform's policy comes from settings read then. The
 * app's own routes (route-roots.ts) are reserved names besides the core's list.
 */
export function deployRoutes(controlPlane: ControlPlaneProvider, target: () => DeployTarget) {
  return new Hono().post('/deploy', limitBody(MAX_DEPLOY_BODY_BYTES), async (c) => {
    // A token that may not deploy at all learns so before its body is read.
    authorize(c, 'deploy');
    const checked = checkDeployBody(await readJsonBody(c), {
      ...target(),
      routeRoots: c.get('routeRoots') ?? [],
    });
    const errors = deployBodyErrors(checked);
    if (errors.length || !checked.ok) throw new ValidationError(errors);
    const specs = checked.agents.map((agent) => (agent as { spec: AgentSpec }).spec);
    const by = authorize(
      c,
      'deploy',
      specs.map((spec) => spec.name),
    );
    const plane = await controlPlane();
    if (!checked.batch)
      return deployResponse(await plane.deployOne(specs[0] as AgentSpec, { by }), c.req.path);
    return deployBatchResponse(await plane.deployMany(specs, by));
  });
}
