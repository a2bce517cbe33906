/**
 * The deploy page's validator, a separate file loaded only by that page: the API's own
 * checks (`checkDeployBody`, zod) run in the browser, so an error appears at the field, as
 * you type, exactly as POST /deploy would report it.
 *
 * Mirrors the route's order: the body must be JSON, then the deploy body's shape, then each
 * config. What only the server can know (a conflict, an unreachable store, `cloud: "local"`
 * off the local server) is reported after Deploy.
 */
import { checkDeployBody, deployBodyErrors } from '../../core/deploy-request.ts';
import type { FieldError } from '../../core/field-errors.ts';
import { parseJsonBody } from '../../core/json-body.ts';

/** Every error POST /deploy would report for this text, checked in the same order. */
export function checkDeployText(text: string): FieldError[] {
  const body = parseJsonBody(text);
  if (!body.ok) return [body.error];
  return deployBodyErrors(checkDeployBody(body.value));
}
