/**
 * /gc: build contexts and agent images nothing references any more. GET lists them (a dry run,
 * always); POST deletes them only with `{"dryRun": false}`, so the destructive call is explicit.
 * Both act on what the whole fleet shares, so both need an admin token.
 */
import { Hono } from 'hono';
import { authorize } from '../auth.ts';
import type { ControlPlaneProvider } from '../providers.ts';
import { gcBody } from '../schemas.ts';
import { limitBody, parseJsonText, validated } from '../validation.ts';

export function gcRoutes(controlPlane: ControlPlaneProvider) {
  return new Hono()
    .get('/gc', async (c) => {
      authorize(c, 'gc');
      return c.json(await (await controlPlane()).gc({ dryRun: true }));
    })
    .post('/gc', limitBody(1024, 'the gc body'), async (c) => {
      authorize(c, 'gc');
      const text = await c.req.text();
      const { dryRun } = validated(gcBody, text.trim() === '' ? {} : parseJsonText(text));
      return c.json(await (await controlPlane()).gc({ dryRun }));
    });
}
