import { describe, expect, it } from 'vitest';
import { fillUrlTemplate, urlTemplateProblem, urlTemplateSlots } from '../tool-contract.ts';
import { capText, toolMessageContent } from './tool-result.ts';

describe('URL templates of http tools', () => {
  it('accepts slots in the path and the query only', () => {
    expect(urlTemplateProblem('https://api.example.com/v1/{city}/now?units={units}&q=1')).toBeUndefined();
    expect(urlTemplateSlots('https://a.example/{x}/{y}?z={x}')).toEqual(['x', 'y']);
    for (const template of [
      'https://{host}/v1',
      'https://api.{zone}.example.com/',
      'https://api.example.com{path}',
      'https://api.example.com:{port}/',
      'https://{user}@api.example.com/',
      '{scheme}://api.example.com/',
    ])
      expect([template, urlTemplateProblem(template)]).toEqual([template, expect.any(String)]);
  });

  it('refuses other braces, credentials, fragments and other schemes', () => {
    expect(urlTemplateProblem('https://a.example/{not a slot}')).toMatch(/braces only for \{slot\}/);
    expect(urlTemplateProblem('https://a.example/x}')).toMatch(/braces/);
    expect(urlTemplateProblem('https://u:p@a.example/')).toMatch(/credentials/);
    expect(urlTemplateProblem('https://a.example/#{x}')).toMatch(/fragment/);
    expect(urlTemplateProblem('ftp://a.example/')).toMatch(/http/);
    expect(urlTemplateProblem('/relative/{x}')).toMatch(/absolute/);
  });

  it('fills each slot URL-encoded, so a value adds no segment, parameter or fragment', () => {
    expect(fillUrlTemplate('https://a.example/t/{q}?s={s}', { q: 'a/b?c#d', s: 'x&y=z', extra: 1 })).toBe(
      'https://a.example/t/a%2Fb%3Fc%23d?s=x%26y%3Dz',
    );
    expect(fillUrlTemplate('https://a.example/{n}/{b}', { n: 4, b: true })).toBe('https://a.example/4/true');
  });

  it('refuses missing or structured values, and dot segments in the path', () => {
    expect(() => fillUrlTemplate('https://a.example/{q}', {})).toThrow('argument "q" is required');
    expect(() => fillUrlTemplate('https://a.example/{q}', { q: { a: 1 } })).toThrow(
      /string, number or boolean/,
    );
    expect(() => fillUrlTemplate('https://a.example/{q}', { q: '..' })).toThrow(/only dots/);
    expect(fillUrlTemplate('https://a.example/x?q={q}', { q: '..' })).toBe('https://a.example/x?q=..');
  });
});

describe('tool results', () => {
  it('cuts text to a byte budget at a character boundary', () => {
    expect(capText('héllo', 100)).toEqual({ text: 'héllo', bytes: 6, truncated: false });
    // "é" is two bytes: a cut at 2 must not split it.
    expect(capText('hé'.repeat(40), 2)).toEqual({ text: 'h', bytes: 1, truncated: true });
    expect(capText('€'.repeat(100), 10)).toEqual({ text: '€€€', bytes: 9, truncated: true });
  });

  it('marks errors and cuts for the model', () => {
    expect(toolMessageContent('ok', 'fine', false, 10)).toBe('fine');
    expect(toolMessageContent('error', 'HTTP 500', false, 10)).toBe('ERROR: HTTP 500');
    expect(toolMessageContent('ok', 'abc', true, 3)).toBe(
      "abc\n[fleetplane: the tool's output was cut at 3 bytes]",
    );
  });
});
