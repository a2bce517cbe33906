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
import { LOCAL_LIMITS, type RequestLimits, sizeText } from '../../core/request-limits.ts';
import { authorize } from '../auth.ts';
import type { ControlPlaneProvider } from '../providers.ts';
import { deployBatchResponse, deployResponse } from '../responses.ts';
import { limitBody, readJsonBody } from '../validation.ts';

/**
 * `target` is read per request: the platform's policy comes from settings read then. The
 * app's own routes (route-roots.ts) are reserved names besides the core's list. The body
 * limit is where the API runs: 1 MiB locally, what fits DigitalOcean's invocation there.
 */
export function deployRoutes(
  controlPlane: ControlPlaneProvider,
  target: () => DeployTarget,
  limits: RequestLimits = LOCAL_LIMITS,
) {
  const where = limits.where === 'digitalocean' ? ' on DigitalOcean (1 MB with base64 encoding)' : '';
  const limit = limitBody(
    limits.maxDeployBodyBytes,
    'the body',
    `${sizeText(limits.maxDeployBodyBytes)}${where} (send a large batch in parts)`,
  );
  return new Hono().post('/deploy', limit, async (c) => {
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
