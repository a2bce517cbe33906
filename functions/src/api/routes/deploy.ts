/**
 * POST /deploy: one agent config, or {"agents": [...]}. Every config is validated before
 * anything is written: one invalid agent rejects the whole request with each agent's field
 * errors. A batch then answers per agent; one agent's failure does not stop the others.
 */
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { DeployResult } from '../../control-plane.ts';
import type { AgentSpec } from '../../core/agent-spec.ts';
import { checkDeployBody } from '../../core/deploy-request.ts';
import { ValidationError } from '../../core/errors.ts';
import { problemResponse } from '../problem.ts';
import type { ControlPlaneProvider } from '../providers.ts';
import { limitBody, readJsonBody } from '../validation.ts';

export const MAX_DEPLOY_BODY_BYTES = 1024 * 1024;

function singleResponse(result: DeployResult, instance: string): Response {
  if (!result.error) return Response.json(result, { status: result.status });
  return problemResponse(
    { ...result.error, status: result.status, instance },
    result.status === 503 ? { 'retry-after': '5' } : {},
  );
}

function batchStatus(results: DeployResult[]): number {
  const failed = results.filter((result) => result.error);
  if (failed.length === 0) return results.some((result) => result.status === 201) ? 201 : 200;
  const statuses = new Set(failed.map((result) => result.status));
  return failed.length === results.length && statuses.size === 1 ? (failed[0]?.status ?? 207) : 207;
}

export function deployRoutes(controlPlane: ControlPlaneProvider) {
  return new Hono().post('/deploy', limitBody(MAX_DEPLOY_BODY_BYTES), async (c) => {
    const checked = checkDeployBody(await readJsonBody(c));
    if (!checked.ok) throw new ValidationError(checked.errors, 422);
    const invalid = checked.agents.flatMap((agent) => (agent.ok ? [] : agent.errors));
    if (invalid.length) throw new ValidationError(invalid, 422);
    const specs = checked.agents.map((agent) => (agent as { spec: AgentSpec }).spec);
    const plane = await controlPlane();
    plane.assertDeployable(specs, checked.batch);
    if (!checked.batch)
      return singleResponse(await plane.deployOne(specs[0] as AgentSpec), new URL(c.req.url).pathname);
    const results = await plane.deployMany(specs);
    const status = batchStatus(results) as ContentfulStatusCode;
    const failed = results.filter((result) => result.error).map((result) => result.name);
    if (status === 503) c.header('retry-after', '5');
    return c.json({ results, failed }, status);
  });
}
