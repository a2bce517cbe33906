import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../core/errors.ts';
import { silentLogger } from '../lib/logger.ts';
import { onError } from './responses.ts';
import { rollbackBody } from './schemas.ts';
import { DISCARD_LIMIT, limitBody, validated } from './validation.ts';

/** A streamed body of `size` bytes in 16 KiB chunks, with no Content-Length (chunked upload). */
function stream(size: number, onPull?: () => void): ReadableStream<Uint8Array> {
  let left = size;
  return new ReadableStream({
    pull(controller) {
      onPull?.();
      if (left <= 0) return controller.close();
      const chunk = new Uint8Array(Math.min(16 * 1024, left)).fill(120);
      left -= chunk.length;
      controller.enqueue(chunk);
    },
  });
}

describe('limitBody', () => {
  const app = new Hono()
    .post('/', limitBody(64 * 1024), async (c) => c.text(String((await c.req.text()).length)))
    .onError(onError(silentLogger));
  const post = (body: ReadableStream<Uint8Array> | string, headers: Record<string, string> = {}) =>
    app.request('/', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

  it('hands a body within the limit to the route, streamed or not', async () => {
    expect(await (await post(stream(64 * 1024))).text()).toBe(String(64 * 1024));
    expect(await (await post('x'.repeat(1000))).text()).toBe('1000');
  });

  it('reads an oversized body to its end before it answers 413', async () => {
    let pulls = 0;
    const response = await post(stream(2 * 1024 * 1024, () => pulls++));
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBeNull();
    expect(await response.json()).toMatchObject({
      title: 'Request body too large',
      detail: 'the body must be at most 65536 bytes',
    });
    // 2 MiB in 16 KiB chunks, and the close: every byte was read.
    expect(pulls).toBe(2 * 64 + 1);
  });

  it('cuts off a body beyond what it will discard, saying it closes the connection', async () => {
    const declared = await post('x', { 'content-length': String(64 * 1024 + DISCARD_LIMIT.bytes + 1) });
    expect(declared.status).toBe(413);
    expect(declared.headers.get('connection')).toBe('close');
    const streamed = await post(stream(64 * 1024 + DISCARD_LIMIT.bytes + 32 * 1024));
    expect(streamed.status).toBe(413);
    expect(streamed.headers.get('connection')).toBe('close');
  });
});

describe('the rollback body', () => {
  const errorsOf = (value: unknown) => {
    try {
      validated(rollbackBody, value);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).malformed).toBe(true);
      return (error as ValidationError).errors;
    }
    throw new Error(`expected ${JSON.stringify(value)} to be refused`);
  };

  it('answers {"generation": 0} in our words, not zod\'s "Too small"', () => {
    expect(errorsOf({ generation: 0 })).toEqual([
      { path: 'generation', message: 'must be at least 1: generations count from 1 (got 0)', rule: 'min' },
    ]);
    expect(errorsOf({ generation: 'x' })).toEqual([
      {
        path: 'generation',
        message: 'must be a whole number, a generation to roll back to (got "x")',
        rule: 'type',
      },
    ]);
    expect(errorsOf({ generation: 1, force: true })).toEqual([
      { path: 'force', message: expect.stringMatching(/^is not a known field/), rule: 'unknown' },
    ]);
  });
});
