import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tarGz } from './deterministic-tar.ts';
import { baseImage, envOf, execForm, parseDockerfile } from './dockerfile.ts';

describe('Dockerfile reader', () => {
  const text = [
    '# comment',
    'FROM --platform=linux/amd64 node:24.21.0-bookworm-slim',
    'ENV A=1 \\',
    '    B=two',
    'ENV LEGACY some value',
    'ENTRYPOINT ["node", "/app/x.mjs"]',
  ].join('\n');

  it('joins continuations, drops comments and reads FROM, ENV and exec-form ENTRYPOINT', () => {
    const steps = parseDockerfile(text);
    expect(steps.map((s) => s.op)).toEqual(['FROM', 'ENV', 'ENV', 'ENTRYPOINT']);
    expect(baseImage(steps)).toBe('node:24.21.0-bookworm-slim');
    expect(envOf(steps)).toEqual({ A: '1', B: 'two', LEGACY: 'some value' });
    expect(execForm(steps, 'ENTRYPOINT')).toEqual(['node', '/app/x.mjs']);
    expect(execForm(steps, 'CMD')).toBeUndefined();
  });

  it('refuses multi-stage files and shell-form entrypoints', () => {
    expect(() => baseImage(parseDockerfile('FROM a\nFROM b'))).toThrow(/exactly one FROM, found 2/);
    expect(() => execForm(parseDockerfile('ENTRYPOINT node x.mjs'), 'ENTRYPOINT')).toThrow();
  });
});

describe('deterministic tar.gz', () => {
  it('gives the same bytes for the same files, and pads entries to 512-byte blocks', () => {
    const files = [
      { path: 'Dockerfile', data: new TextEncoder().encode('FROM x\n') },
      { path: 'b.mjs', data: new Uint8Array(513) },
    ];
    const a = tarGz(files);
    expect(Buffer.from(a).equals(Buffer.from(tarGz(files)))).toBe(true);
    const tar = gunzipSync(a);
    // header + 1 data block, header + 2 data blocks, 2 end blocks
    expect(tar.byteLength).toBe(512 * (2 + 3 + 2));
    expect(tar.subarray(0, 10).toString()).toBe('Dockerfile');
  });
});
