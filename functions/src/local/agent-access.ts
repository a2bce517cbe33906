/**
 * Who may call a local agent through the server (`/<agent>/...`) when the server needs a token
 * (bound beyond loopback, or with FLEETPLANE_API_TOKEN_HASHES set): the same bearer tokens as
 * the API, with a scope that reaches the agent's name, unless the agent has API keys of its own
 * (`auth.apiKeyHashes`), which the agent checks itself. Without this, anyone who can reach the
 * port could spend the model key through any agent.
 *
 * A server token is never passed on to the agent: the Authorization header that carried it is
 * removed before the request is forwarded.
 *
 * Open mode (loopback, no token) does not use this: loopbackOnly guards every path there.
 */
import { bearerOf, matchToken, type TokenEntry } from '../api/auth.ts';
import { covers, describeScope } from '../core/token-scope.ts';
import { problem } from './problem.ts';

/** The answer that refuses the call, or how to forward it: without its Authorization when that held a server token. */
export type AgentCallGuard = (
  request: Request,
  agent: string,
  ownKeys: boolean,
) => Response | { dropAuthorization: boolean };

export function agentCallGuard(tokens: readonly TokenEntry[]): AgentCallGuard {
  return (request, agent, ownKeys) => {
    const token = bearerOf(request.headers.get('authorization'));
    const entry = token === undefined ? undefined : matchToken(token, tokens);
    // The agent answers to its own keys; a server token it must not see (nor would accept).
    if (ownKeys) return { dropAuthorization: entry !== undefined };
    if (!entry)
      return problem(
        401,
        'unauthorized',
        'Authentication required',
        `agent "${agent}" answers here only with this server's token: send "Authorization: Bearer <token>" (${token === undefined ? 'none was sent' : 'the one sent is not valid'}), or give the agent API keys of its own (auth.apiKeyHashes)`,
        { 'www-authenticate': 'Bearer realm="fleetplane"' },
      );
    if (!covers(entry.scope, agent))
      return problem(
        403,
        'forbidden',
        "Outside the token's scope",
        `this token's scope is ${describeScope(entry.scope)}, so it may not call "${agent}"`,
      );
    return { dropAuthorization: true };
  };
}
