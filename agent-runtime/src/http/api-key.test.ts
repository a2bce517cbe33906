import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { matchesAny, parseKeyHashes } from './api-key.ts';

const digest = (s: string) => new Uint8Array(createHash('sha256').update(s).digest());
const hex = (s: string) => createHash('sha256').update(s).digest('hex');

describe('API key hashes', () => {
  it('parses comma-separated hex hashes and drops anything else', () => {
    expect(parseKeyHashes(` ${hex('a').toUpperCase()} ,nothex,,${hex('b')}`)).toEqual([hex('a'), hex('b')]);
    expect(parseKeyHashes(undefined)).toEqual([]);
  });

  it('matches a digest against any of the accepted ones', () => {
    const accepted = [digest('a'), digest('b')];
    expect(matchesAny(digest('b'), accepted)).toBe(true);
    expect(matchesAny(digest('c'), accepted)).toBe(false);
    expect(matchesAny(digest('a'), [])).toBe(false);
  });
});
