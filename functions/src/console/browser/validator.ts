/**
 * The deploy page's validator, a separate file loaded only by that page: the API's own
 * checks (`checkDeployBody`, zod) run in the browser, so an error appears at the field, as
 * you type, exactly as POST /deploy would report it.
 *
 * Mirrors the route's order: the body must be JSON, then the deploy body's shape, then each
 * config. What only the server can know (a conflict, an unreachable store, `cloud: "local"`
 * off the local server) is reported after Deploy.
 */
import { checkDeployBody } from '../../core/deploy-request.ts';
import type { FieldError } from '../../core/field-errors.ts';

export interface TextCheck {
  errors: FieldError[];
  /** The parsed document when it is JSON at all. */
  parsed?: unknown;
  /** Whether the body is a batch (`{"agents": [...]}`). */
  batch: boolean;
  /** The JSON.parse message, to place a syntax error. */
  syntax?: string;
}

export function checkDeployText(text: string): TextCheck {
  if (text.trim() === '')
    return {
      errors: [{ path: '(body)', message: 'must be a JSON document (the body is empty)' }],
      batch: false,
    };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    return {
      errors: [{ path: '(body)', message: `must be valid JSON: ${message}` }],
      batch: false,
      syntax: message,
    };
  }
  const checked = checkDeployBody(parsed);
  if (!checked.ok) return { errors: checked.errors, parsed, batch: false };
  return {
    errors: checked.agents.flatMap((agent) => (agent.ok ? [] : agent.errors)),
    parsed,
    batch: checked.batch,
  };
}
