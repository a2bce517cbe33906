import { describe, expect, it } from 'vitest';
import { credentialsFor, parseDockerConfig } from './docker-config.ts';
import { parseChallenge } from './registry.ts';

const auth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

describe('a Docker config', () => {
  it('gives credentials per host, from JSON or its base64, however the key is written', () => {
    const json = JSON.stringify({
      auths: {
        'registry.digitalocean.com': { auth: auth('do-token', 'do-token') },
        'https://index.docker.io/v1/': { auth: auth('hub', 'p:with:colons') },
        '127.0.0.1:5000': { username: 'u', password: 'p' },
      },
    });
    for (const text of [json, Buffer.from(json).toString('base64')]) {
      const config = parseDockerConfig(text, 'X');
      expect(credentialsFor(config, 'registry.digitalocean.com')).toEqual({
        username: 'do-token',
        password: 'do-token',
      });
      expect(credentialsFor(config, 'index.docker.io')).toEqual({
        username: 'hub',
        password: 'p:with:colons',
      });
      expect(credentialsFor(config, '127.0.0.1:5000')).toEqual({ username: 'u', password: 'p' });
      expect(credentialsFor(config, 'ghcr.io')).toBeUndefined();
    }
  });

  it('is refused with the setting named and nothing of its content repeated', () => {
    const secret = 'hunter2-very-secret';
    const cases = [
      `{"auths": ${secret}`,
      JSON.stringify({ auth: secret }),
      JSON.stringify({ auths: { h: { auth: Buffer.from(secret).toString('base64') } } }),
    ];
    for (const text of cases) {
      let message = '';
      try {
        parseDockerConfig(text, 'FLEETPLANE_REGISTRY_DOCKER_CONFIG');
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^FLEETPLANE_REGISTRY_DOCKER_CONFIG/);
      expect(message).not.toContain(secret);
    }
  });
});

describe('a registry challenge', () => {
  it('reads the scheme and quoted parameters, commas inside quotes included', () => {
    expect(
      parseChallenge(
        'Bearer realm="https://api.digitalocean.com/v2/registry/auth",service="registry.digitalocean.com",scope="repository:acme/agent-runtime:pull,push"',
      ),
    ).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://api.digitalocean.com/v2/registry/auth',
        service: 'registry.digitalocean.com',
        scope: 'repository:acme/agent-runtime:pull,push',
      },
    });
    expect(parseChallenge('Basic realm="fleetplane-test-registry"')).toEqual({
      scheme: 'basic',
      params: { realm: 'fleetplane-test-registry' },
    });
    expect(parseChallenge(null)).toBeUndefined();
  });
});
