import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { answerMethodNotAllowed } from './method-not-allowed.ts';

describe('405 for a known path asked with another method', () => {
  const app = new Hono();
  app.get('/files/:name', (c, next) => (c.req.param('name') === 'here' ? c.text('a file') : next()));
  answerMethodNotAllowed(app, (c, allow) => c.text('no', 405, { allow: allow.join(', ') }));

  it('answers 405 with Allow for another method', async () => {
    const res = await app.request('/files/here', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
  });

  it('lets an allowed method its handler passed on reach the 404, not a 405', async () => {
    expect((await app.request('/files/here')).status).toBe(200);
    expect((await app.request('/files/missing')).status).toBe(404);
  });
});
