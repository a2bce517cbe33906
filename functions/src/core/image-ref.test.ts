import { describe, expect, it } from 'vitest';
import { cacheRepository, parseImage, runsImage, runtimeImageOf, withDigest } from './image-ref.ts';

describe('image references', () => {
  it('name the runtime image by the first 12 hex digits of the context tag, pinned by digest once known', () => {
    const image = runtimeImageOf('registry.digitalocean.com/acme/', 'cb843678afbed4f0d97c');
    expect(image).toBe('registry.digitalocean.com/acme/agent-runtime:cb843678afbe');
    expect(cacheRepository('registry.digitalocean.com/acme')).toBe(
      'registry.digitalocean.com/acme/agent-runtime/cache',
    );
    const pinned = withDigest(image, `sha256:${'a'.repeat(64)}`);
    expect(runsImage(pinned, image)).toBe(true);
    expect(runsImage(image, image)).toBe(true);
    expect(runsImage('registry.digitalocean.com/acme/agent-runtime:cb843678afbf', image)).toBe(false);
    expect(runsImage(undefined, image)).toBe(false);
  });

  it('are split into host, repository, tag and digest as Docker does', () => {
    expect(parseImage('registry.digitalocean.com/acme/agent-runtime:cb843678afbe')).toEqual({
      host: 'registry.digitalocean.com',
      repository: 'acme/agent-runtime',
      tag: 'cb843678afbe',
    });
    expect(parseImage(`127.0.0.1:5000/t/agent-runtime:x@sha256:${'b'.repeat(64)}`)).toEqual({
      host: '127.0.0.1:5000',
      repository: 't/agent-runtime',
      tag: 'x',
      digest: `sha256:${'b'.repeat(64)}`,
    });
    expect(parseImage('localhost/a')).toEqual({ host: 'localhost', repository: 'a' });
    expect(parseImage('node:24')).toEqual({
      host: 'registry-1.docker.io',
      repository: 'library/node',
      tag: '24',
    });
    expect(parseImage('acme/app')).toEqual({ host: 'registry-1.docker.io', repository: 'acme/app' });
  });
});
