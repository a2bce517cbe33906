/**
 * GET /whoami: the scope of the token the request carries (role and name glob), so that the
 * CLI and the console can show what they may do. Needs a token like every other route of the
 * fleet; it says nothing about other tokens and never echoes the token or its hash.
 */
import { Hono } from 'hono';
import type { z } from 'zod';
import { describeScope, scopeLabel } from '../../core/token-scope.ts';
import { callerOf } from '../auth.ts';
import type { whoamiResponse } from '../schemas.ts';

export function whoamiRoutes() {
  return new Hono().get('/whoami', (c) => {
    const { scope, via } = callerOf(c);
    const answer: z.infer<typeof whoamiResponse> = {
      scope: scopeLabel(scope),
      role: scope.role,
      names: scope.names,
      via,
      description: describeScope(scope),
    };
    return c.json(answer);
  });
}
