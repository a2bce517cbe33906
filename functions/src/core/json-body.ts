/**
 * A request body's text as JSON, or the field error that says why it is not: the one rule
 * the API's routes and the console's validator share before any schema runs.
 *
 * Pure: no I/O.
 */
import type { FieldError } from './field-errors.ts';

export type JsonBody = { ok: true; value: unknown } | { ok: false; error: FieldError };

export function parseJsonBody(text: string): JsonBody {
  if (text.trim() === '')
    return {
      ok: false,
      error: { path: '(body)', message: 'must be a JSON document (the body is empty)', rule: 'required' },
    };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return {
      ok: false,
      error: { path: '(body)', message: `must be valid JSON: ${(error as Error).message}`, rule: 'json' },
    };
  }
}
