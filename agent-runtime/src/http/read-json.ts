/**
 * Reads a request's JSON body within the size limit and validates it with a zod schema.
 *
 * Failures name the field, the rule and the value ("temperature (5) must be at most 2").
 * Long values are shown by their length only: a prompt must never be echoed back whole.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { badRequest, type FieldError, invalidInput, payloadTooLarge } from './problem.ts';

export async function readJson(c: Context, maxBytes: number): Promise<unknown> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > maxBytes) throw payloadTooLarge(maxBytes);
  const text = declared !== undefined ? await c.req.text() : await readCapped(c.req.raw, maxBytes);
  if (text.trim() === '') throw badRequest('request body is empty; expected a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Chunked bodies have no Content-Length: count while reading and stop at the limit. */
async function readCapped(req: Request, maxBytes: number): Promise<string> {
  if (!req.body) return '';
  const reader = req.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw payloadTooLarge(maxBytes);
    }
    text += decoder.decode(value, { stream: true });
  }
}

export function validate<S extends z.ZodType>(schema: S, data: unknown): z.infer<S> {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  throw invalidInput(result.error.issues.map(fieldError));
}

export function fieldError(issue: z.core.$ZodIssue): FieldError {
  const field = issue.path.length === 0 ? '(body)' : issue.path.map(String).join('.');
  const value = 'input' in issue ? issue.input : undefined;
  const rule = ruleOf(issue);
  return { field, rule, value: shortValue(value), message: `${field} (${describe(value)}) ${rule}` };
}

function ruleOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'is required' : `must be ${issue.expected}`;
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${issue.maximum} characters`
        : issue.origin === 'array'
          ? `must have at most ${issue.maximum} items`
          : `must be at most ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'string'
        ? `must be at least ${issue.minimum} character${issue.minimum === 1 ? '' : 's'}`
        : issue.origin === 'array'
          ? `must have at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}`
          : `must be at least ${issue.minimum}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `has unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}

const MAX_SHOWN = 40;

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string' && value.length > MAX_SHOWN) return `${value.length} characters`;
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (value !== null && typeof value === 'object') return 'object';
  return JSON.stringify(value);
}

function shortValue(value: unknown): unknown {
  if (typeof value === 'string' && value.length > MAX_SHOWN) return `${value.slice(0, MAX_SHOWN)}…`;
  if (Array.isArray(value) || (value !== null && typeof value === 'object')) return describe(value);
  return value;
}
