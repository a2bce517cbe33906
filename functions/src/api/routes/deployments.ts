/**
 * /deployments: list every agent, one agent in detail, delete, revisions, rollback, logs.
 * Status is read from the cluster on every call; nothing about it is stored.
 */
import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { ValidationError } from '../../core/errors.ts';
import { fieldErrors } from '../../core/field-errors.ts';
import { problemResponse } from '../problem.ts';
import type { ControlPlaneProvider } from '../providers.ts';
import { agentNameParam, logsQuery, rollbackBody } from '../schemas.ts';
import { limitBody, parseJsonText, rejectInvalid } from '../validation.ts';

export function deploymentsRoutes(controlPlane: ControlPlaneProvider) {
  const name = zValidator('param', agentNameParam, rejectInvalid);
  return new Hono()
    .get('/deployments', async (c) => c.json({ deployments: await (await controlPlane()).list() }))
    .get('/deployments/:name', name, async (c) =>
      c.json(await (await controlPlane()).get(c.req.valid('param').name)),
    )
    .delete('/deployments/:name', name, async (c) => {
      const result = await (await controlPlane()).remove(c.req.valid('param').name);
      return c.json(result, result.pending ? 202 : 200);
    })
    .get('/deployments/:name/revisions', name, async (c) =>
      c.json(await (await controlPlane()).revisions(c.req.valid('param').name)),
    )
    .post('/deployments/:name/rollback', name, limitBody(4096, 'the rollback body'), async (c) => {
      // An empty body means "the previous generation".
      const text = await c.req.text();
      const parsed = rollbackBody.safeParse(text.trim() === '' ? {} : parseJsonText(text), {
        reportInput: true,
      });
      if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error), 400);
      const result = await (await controlPlane()).rollback(c.req.valid('param').name, parsed.data.generation);
      if (result.error) return problemResponse({ ...result.error, status: result.status });
      return c.json(result, 200);
    })
    .get('/deployments/:name/logs', name, zValidator('query', logsQuery, rejectInvalid), async (c) => {
      const { name: agent } = c.req.valid('param');
      return c.json({
        name: agent,
        pods: await (await controlPlane()).logs(agent, c.req.valid('query').tail),
      });
    });
}
