/**
 * The control plane's registry client against real registries (distribution): the test
 * environment's, which asks for basic credentials, and one behind the token challenge flow,
 * whose realm is a token server in this process standing in for DigitalOcean's (which cannot
 * run here; test/support/token-registry.ts). Credentials come from a docker config, as
 * FLEETPLANE_REGISTRY_DOCKER_CONFIG gives them.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFor, parseDockerConfig } from '../../functions/src/builds/docker-config.ts';
import { RegistryClient } from '../../functions/src/builds/registry.ts';
import { SettingsError } from '../../functions/src/core/errors.ts';
import { pushTestImage } from '../env/control.ts';
import { testEnv } from '../env/inject.ts';
import { startTokenRegistry, type TokenRegistry } from '../support/token-registry.ts';

const run = randomUUID().slice(0, 6);
const SETTING = 'FLEETPLANE_REGISTRY_DOCKER_CONFIG';

const clientFor = (dockerConfig: string) => {
  const config = parseDockerConfig(dockerConfig, SETTING);
  return new RegistryClient({
    credentials: (host) => credentialsFor(config, host),
    credentialSource: SETTING,
  });
};
const wrongPassword = (host: string, username: string) =>
  JSON.stringify({
    auths: { [host]: { auth: Buffer.from(`${username}:not-the-password`).toString('base64') } },
  });

async function refusal(call: () => Promise<unknown>): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to be refused');
}

describe.skipIf(!testEnv().registryAuth)('a registry with basic auth (the test environment’s)', () => {
  const t = testEnv();
  const repository = `fleetplane/registry-client-${run}`;

  it('answers the digest of a pushed image, nothing for a missing tag, and lists tags', async () => {
    const pushed = await pushTestImage(t.registry, repository, 'v1');
    const client = clientFor(t.registryDockerConfig as string);
    expect(await client.manifestDigest(t.registry, repository, 'v1')).toBe(pushed.digest);
    expect(await client.manifestDigest(t.registry, repository, 'v2')).toBeUndefined();
    expect(await client.manifestDigest(t.registry, `${repository}-none`, 'v1')).toBeUndefined();
    expect(await client.tags(t.registry, repository)).toEqual(['v1']);
    expect(await client.tags(t.registry, `${repository}-none`)).toEqual([]);
  });

  it('deletes a manifest by digest', async () => {
    const pushed = await pushTestImage(t.registry, repository, 'gone');
    const client = clientFor(t.registryDockerConfig as string);
    expect(await client.deleteManifest(t.registry, repository, pushed.digest)).toBe(true);
    expect(await client.manifestDigest(t.registry, repository, 'gone')).toBeUndefined();
    expect(await client.deleteManifest(t.registry, repository, pushed.digest)).toBe(false);
  });

  it('says clearly when the credential is wrong or missing, naming the setting and never the password', async () => {
    const auth = t.registryAuth as { username: string; password: string };
    const wrong = await refusal(() =>
      clientFor(wrongPassword(t.registry, auth.username)).manifestDigest(t.registry, repository, 'v1'),
    );
    expect(wrong).toBeInstanceOf(SettingsError);
    expect(wrong.message).toBe(
      `the registry ${t.registry} refused the credentials in ${SETTING} to look up ${t.registry}/${repository}:v1 (HTTP 401); they need pull access`,
    );
    expect(wrong.message).not.toContain('not-the-password');
    const none = await refusal(() => clientFor('{"auths":{}}').manifestDigest(t.registry, repository, 'v1'));
    expect(none.message).toBe(`the registry ${t.registry} needs credentials, and ${SETTING} has none for it`);
  });
});

describe('a registry behind the token challenge flow (as DigitalOcean’s)', () => {
  let registry: TokenRegistry;
  const repository = `fleetplane/token-client-${run}`;
  beforeAll(async () => {
    registry = await startTokenRegistry({ stateFile: testEnv().stateFile });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('gets a token for the scope the challenge names, and reuses it until it expires', async () => {
    const pushed = await pushTestImage(registry.host, repository, 'v1', registry);
    const before = registry.tokenRequests.length;
    const client = clientFor(registry.dockerConfig);
    expect(await client.manifestDigest(registry.host, repository, 'v1')).toBe(pushed.digest);
    expect(registry.tokenRequests.slice(before)).toEqual([
      {
        scopes: [`repository:${repository}:pull`],
        service: registry.service,
        grantedTo: registry.username,
        status: 200,
      },
    ]);
    // A second lookup and a tag listing with the same scope need no new token.
    expect(await client.manifestDigest(registry.host, repository, 'v2')).toBeUndefined();
    expect(await client.tags(registry.host, repository)).toEqual(['v1']);
    expect(registry.tokenRequests.length).toBe(before + 1);
  });

  it('asks for the delete scope to delete a manifest', async () => {
    const pushed = await pushTestImage(registry.host, repository, 'gone', registry);
    const client = clientFor(registry.dockerConfig);
    expect(await client.deleteManifest(registry.host, repository, pushed.digest)).toBe(true);
    expect(registry.tokenRequests.at(-1)?.scopes).toEqual([`repository:${repository}:delete`]);
    expect(await client.manifestDigest(registry.host, repository, 'gone')).toBeUndefined();
  });

  it('says clearly when the token service refuses the credential', async () => {
    const wrong = await refusal(() =>
      clientFor(wrongPassword(registry.host, registry.username)).manifestDigest(
        registry.host,
        repository,
        'v1',
      ),
    );
    expect(wrong).toBeInstanceOf(SettingsError);
    expect(wrong.message).toBe(
      `the token service of ${registry.host} refused the credentials in ${SETTING} (HTTP 401); make a new docker config (doctl registry docker-config --read-write)`,
    );
    expect(registry.tokenRequests.at(-1)).toMatchObject({ grantedTo: null, status: 401 });
  });
});
