/**
 * Reads a request's JSON body within the size limit and validates it with a zod schema.
 *
 * Failures are field errors `{path, message, rule}` (the platform's one shape, see
 * contract.ts): `temperature`, `must be at most 2 (got number 5)`, `max`. Long values are
 * shown by their length only: a prompt must never be echoed back whole.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { formatPath } from '../contract.ts';
import { badRequest, type FieldError, invalidInput, payloadTooLarge } from './problem.ts';

export async function readJson(c: Context, maxBytes: number): Promise<unknown> {
  const text = await readText(c, maxBytes);
  if (text.trim() === '') throw badRequest('request body is empty; expected a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** The body as text, within the size limit (413 beyond it). */
export async function readText(c: Context, maxBytes: number): Promise<string> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > maxBytes) throw payloadTooLarge(maxBytes);
  return declared !== undefined ? await c.req.text() : await readCapped(c.req.raw, maxBytes);
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
  throw invalidInput(result.error.issues.flatMap((issue) => fieldErrors(issue)));
}

/** The field errors of one zod issue (an unknown-keys issue gives one per key). */
export function fieldErrors(issue: z.core.$ZodIssue, parent: readonly PropertyKey[] = []): FieldError[] {
  const at = [...parent, ...issue.path];
  const path = formatPath(at);
  const got = 'input' in issue ? describe(issue.input) : 'nothing';
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? [{ path, rule: 'required', message: `is required (expected ${issue.expected})` }]
        : [{ path, rule: 'type', message: `must be ${article(issue.expected)} (got ${got})` }];
    case 'too_big':
    case 'too_small': {
      const max = issue.code === 'too_big';
      const bound = max ? issue.maximum : issue.minimum;
      const input = 'input' in issue ? issue.input : undefined;
      const rule = max ? 'max' : 'min';
      const most = max ? 'at most' : 'at least';
      if (issue.origin === 'string')
        return [
          {
            path,
            rule,
            message: `must be ${most} ${plural(bound, 'character')} (got ${typeof input === 'string' ? plural(input.length, 'character') : got})`,
          },
        ];
      if (issue.origin === 'array')
        return [
          {
            path,
            rule,
            message: `must have ${most} ${plural(bound, 'item')} (got ${Array.isArray(input) ? input.length : got})`,
          },
        ];
      return [{ path, rule, message: `must be ${most} ${bound} (got ${got})` }];
    }
    case 'invalid_value':
      return [
        {
          path,
          rule: 'enum',
          message: `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${got})`,
        },
      ];
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        path: formatPath([...at, key]),
        rule: 'unknown',
        message: 'is not a known field here (unknown fields are rejected, not ignored; check the spelling)',
      }));
    case 'invalid_union': {
      // Every branch failed on the value's own type: say which types would do.
      const expected = issue.errors.map((branch) => {
        const first = branch[0];
        return branch.length === 1 && first?.code === 'invalid_type' && first.path.length === 0
          ? first.expected
          : undefined;
      });
      if (expected.every((e) => e !== undefined))
        return [{ path, rule: 'type', message: `must be ${orList(expected.map(article))} (got ${got})` }];
      // Else the branch that got furthest (not one that failed on the value's type).
      const closest = issue.errors.find(
        (b) => !b.some((i) => i.code === 'invalid_type' && i.path.length === 0),
      );
      return (closest ?? issue.errors[0] ?? []).flatMap((nested) => fieldErrors(nested, at));
    }
    case 'custom': {
      const rule = typeof issue.params?.rule === 'string' ? issue.params.rule : 'custom';
      return [{ path, rule, message: issue.message }];
    }
    default:
      return [{ path, rule: issue.code, message: `${issue.message} (got ${got})` }];
  }
}

const MAX_SHOWN = 60;

/** A value as a message shows it; long strings by their length only. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${plural(value.length, 'item')}`;
  if (typeof value === 'string') {
    const text = JSON.stringify(value);
    return text.length > MAX_SHOWN ? `a string of ${plural(value.length, 'character')}` : text;
  }
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

const plural = (n: number | bigint, noun: string) => `${n} ${noun}${n === 1 || n === 1n ? '' : 's'}`;
const TYPE_NAMES: Record<string, string> = { int: 'integer', null: 'null' };
const article = (type: string) => {
  const name = TYPE_NAMES[type] ?? type;
  return name === 'null' ? name : /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
};
const orList = (items: string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
