/**
 * Request validation glue: a zod-validator hook that turns failures into our ValidationError
 * (400 with field errors), and a JSON body reader that names a syntax error instead of
 * answering with a generic 400.
 */
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { PayloadTooLargeError, ValidationError } from '../core/errors.ts';
import { fieldErrors } from '../core/field-errors.ts';

export const rejectInvalid = (result: { success: boolean; error?: unknown }) => {
  if (!result.success)
    throw new ValidationError(fieldErrors(result.error as Parameters<typeof fieldErrors>[0]), 400);
};

export async function readJsonBody(c: Context): Promise<unknown> {
  return parseJsonText(await c.req.text());
}

export function parseJsonText(text: string): unknown {
  if (text.trim() === '')
    throw new ValidationError(
      [{ path: '(body)', message: 'must be a JSON document (the body is empty)' }],
      400,
    );
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(
      [{ path: '(body)', message: `must be valid JSON: ${(error as Error).message}` }],
      400,
    );
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
