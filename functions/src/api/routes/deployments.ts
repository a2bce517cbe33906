/**
 * /deployments: list every agent, one agent in detail, delete, revisions, rollback, logs.
 * Status is read from the cluster on every call; nothing about it is stored. Each route asks
 * the token's scope first: a list shows only the names in scope, any other verb on a name
 * outside it is a 403 before anything is read or changed. A page follows the request limits
 * of where the API runs (core/request-limits.ts).
 */
import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { LOCAL_LIMITS, type RequestLimits } from '../../core/request-limits.ts';
import { covers } from '../../core/token-scope.ts';
import { authorize } from '../auth.ts';
import { fitPage } from '../page-fit.ts';
import type { ControlPlaneProvider } from '../providers.ts';
import { deployResponse, removeResponse } from '../responses.ts';
import { agentNameParam, continueToken, listQueryFor, logsQuery, rollbackBody } from '../schemas.ts';
import { limitBody, parseJsonText, rejectInvalid, validated } from '../validation.ts';

export function deploymentsRoutes(controlPlane: ControlPlaneProvider, limits: RequestLimits = LOCAL_LIMITS) {
  const name = zValidator('param', agentNameParam, rejectInvalid);
  return new Hono()
    .get('/deployments', zValidator('query', listQueryFor(limits), rejectInvalid), async (c) => {
      const scope = authorize(c, 'list');
      const { limit, continue: token } = c.req.valid('query');
      const listed = await (await controlPlane()).list({
        limit,
        ...(token ? { after: token.after } : {}),
        visible: (agent) => covers(scope, agent),
      });
      const page = limits.maxPageBytes ? fitPage(listed, limits.maxPageBytes) : listed;
      return c.json({
        deployments: page.items,
        ...(page.next ? { continue: continueToken(page.next) } : {}),
      });
    })
    .get('/deployments/:name', name, async (c) => {
      const { name: agent } = c.req.valid('param');
      authorize(c, 'get', [agent]);
      return c.json(await (await controlPlane()).get(agent));
    })
    .delete('/deployments/:name', name, async (c) => {
      const { name: agent } = c.req.valid('param');
      const by = authorize(c, 'delete', [agent]);
      return removeResponse(await (await controlPlane()).remove(agent, by));
    })
    .get('/deployments/:name/config', name, async (c) => {
      const { name: agent } = c.req.valid('param');
      authorize(c, 'config', [agent]);
      return c.json(await (await controlPlane()).config(agent));
    })
    .get('/deployments/:name/revisions', name, async (c) => {
      const { name: agent } = c.req.valid('param');
      authorize(c, 'revisions', [agent]);
      return c.json(await (await controlPlane()).revisions(agent));
    })
    .post('/deployments/:name/rollback', name, limitBody(4096, 'the rollback body'), async (c) => {
      const { name: agent } = c.req.valid('param');
      const by = authorize(c, 'rollback', [agent]);
      // An empty body means "the previous generation".
      const text = await c.req.text();
      const { generation } = validated(rollbackBody, text.trim() === '' ? {} : parseJsonText(text));
      return deployResponse(await (await controlPlane()).rollback(agent, generation, by), c.req.path);
    })
    .get('/deployments/:name/logs', name, async (c) => {
      const { name: agent } = c.req.valid('param');
      authorize(c, 'logs', [agent]);
      // Validated here rather than by a middleware so that an error names the value it got.
      const { tail, build } = validated(logsQuery, c.req.query());
      const plane = await controlPlane();
      // ?build=true: the log of the image build the agent runs or waits for (Kaniko's pod).
      return c.json({
        name: agent,
        pods: await (build ? plane.buildLogs(agent, tail) : plane.logs(agent, tail)),
      });
    });
}
