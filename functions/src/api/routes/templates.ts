/** GET /templates: the six templates and their defaults. Pure data; loads nothing else. */
import { Hono } from 'hono';
import { TEMPLATES } from '../../core/templates.ts';

export function templatesRoutes() {
  return new Hono().get('/templates', (c) => c.json({ templates: TEMPLATES }));
}
