import { describe, expect, it } from 'vitest';
import { redact } from './redact.ts';

describe('redact', () => {
  it('removes the key we used, key-shaped words and bearer tokens', () => {
    expect(redact('key abcdefgh1234 rejected', ['abcdefgh1234'])).toBe('key [redacted] rejected');
    expect(redact('Incorrect API key provided: sk-proj-****abcd. Go to x.', [])).toBe(
      'Incorrect API key provided: sk-[redacted]. Go to x.',
    );
    expect(redact('header was "Bearer tok.en-1", then', [])).toBe('header was "Bearer [redacted]", then');
  });

  it('leaves ordinary text alone, and ignores placeholder keys too short to be secrets', () => {
    expect(redact('model unset is not available; task-list ok', ['unset'])).toBe(
      'model unset is not available; task-list ok',
    );
  });
});
