/**
 * Request validation glue: a zod-validator hook and a parse helper that turn failures into
 * our ValidationError (400, malformed, with field errors), a JSON body reader that names a
 * syntax error, and a body limit whose overflow is our 413.
 */
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { PayloadTooLargeError, ValidationError } from '../core/errors.ts';
import { fieldErrors } from '../core/field-errors.ts';

const malformed = (errors: ValidationError['errors']) => new ValidationError(errors, { malformed: true });

export const rejectInvalid = (result: { success: boolean; error?: unknown }) => {
  if (!result.success) throw malformed(fieldErrors(result.error as Parameters<typeof fieldErrors>[0]));
};

/** Parses a request part with a schema; a failure is a 400 naming each field. */
export function validated<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value, { reportInput: true });
  if (!parsed.success) throw malformed(fieldErrors(parsed.error));
  return parsed.data;
}

export async function readJsonBody(c: Context): Promise<unknown> {
  return parseJsonText(await c.req.text());
}

export function parseJsonText(text: string): unknown {
  if (text.trim() === '')
    throw malformed([{ path: '(body)', message: 'must be a JSON document (the body is empty)' }]);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw malformed([{ path: '(body)', message: `must be valid JSON: ${(error as Error).message}` }]);
  }
}

/** A body limit whose overflow is our 413 problem, naming the limit. */
export function limitBody(maxSize: number, what = 'the body') {
  return bodyLimit({
    maxSize,
    onError: () => {
      throw new PayloadTooLargeError(`${what} must be at most ${maxSize} bytes`);
    },
  });
}
