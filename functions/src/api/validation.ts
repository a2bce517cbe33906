/**
 * Request validation glue: a zod-validator hook and a parse helper that turn failures into
 * our ValidationError (400, malformed, with field errors), a JSON body reader that names a
 * syntax error, and a body limit whose overflow is our 413.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { PayloadTooLargeError, ValidationError } from '../core/errors.ts';
import { fieldErrors } from '../core/field-errors.ts';
import { parseJsonBody } from '../core/json-body.ts';
import { problemOf, problemResponse } from './responses.ts';

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
  const body = parseJsonBody(text);
  if (!body.ok) throw malformed([body.error]);
  return body.value;
}

/** How much of an oversized body is read and thrown away, and for how long, before answering. */
export const DISCARD_LIMIT = { bytes: 32 * 1024 * 1024, ms: 10_000 };

/**
 * A body limit whose overflow is our 413 problem, naming the limit. The body is read here
 * (routes then read it from memory), counting bytes; past the limit the rest is read and thrown
 * away before the 413 goes out.
 *
 * WARNING: answering before the body is read and then closing the socket with unread bytes in
 * it makes the kernel send a reset, and a client still uploading loses the answer (a 2 MiB body
 * on a busy machine got ECONNRESET instead of its 413; the Node adapter waits only 500 ms for
 * the rest). So the rest is drained, within DISCARD_LIMIT; a body larger or slower than that is
 * answered with `Connection: close` and cut off, as an attack deserves.
 */
export function limitBody(maxSize: number, what = 'the body', said = `${maxSize} bytes`): MiddlewareHandler {
  return async (c, next) => {
    const tooLarge = () => new PayloadTooLargeError(`${what} must be at most ${said}`);
    const body = c.req.raw.body;
    if (!body) return next();
    const cutOff = () => {
      const requestId = c.get('requestId') as string | undefined;
      const problem = problemOf(tooLarge(), { instance: c.req.path, ...(requestId ? { requestId } : {}) });
      return problemResponse(problem, { connection: 'close' });
    };
    if (Number(c.req.header('content-length') ?? 0) > maxSize + DISCARD_LIMIT.bytes) {
      void body.cancel().catch(() => {});
      return cutOff();
    }
    const read = await readBounded(body, maxSize);
    if (read.kind === 'cut-off') return cutOff();
    if (read.kind === 'too-large') throw tooLarge();
    c.req.raw = new Request(c.req.raw, { body: read.bytes });
    return next();
  };
}

type Bounded = { kind: 'ok'; bytes: Uint8Array<ArrayBuffer> } | { kind: 'too-large' } | { kind: 'cut-off' };

/** Reads a body of at most maxSize bytes; past that, discards the rest within DISCARD_LIMIT. */
async function readBounded(body: ReadableStream<Uint8Array>, maxSize: number): Promise<Bounded> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let deadline = Number.POSITIVE_INFINITY;
  for (;;) {
    const next = await readBefore(reader, deadline);
    if (next === 'late') {
      void reader.cancel().catch(() => {});
      return { kind: 'cut-off' };
    }
    if (next.done) break;
    size += next.value.byteLength;
    if (size <= maxSize) chunks.push(next.value);
    else if (deadline === Number.POSITIVE_INFINITY) {
      chunks.length = 0;
      deadline = Date.now() + DISCARD_LIMIT.ms;
    } else if (size > maxSize + DISCARD_LIMIT.bytes) {
      void reader.cancel().catch(() => {});
      return { kind: 'cut-off' };
    }
  }
  if (size > maxSize) return { kind: 'too-large' };
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { kind: 'ok', bytes };
}

async function readBefore(reader: ReadableStreamDefaultReader<Uint8Array>, deadline: number) {
  if (deadline === Number.POSITIVE_INFINITY) return reader.read();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      reader.read(),
      new Promise<'late'>((resolve) => {
        timer = setTimeout(() => resolve('late'), Math.max(0, deadline - Date.now()));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
