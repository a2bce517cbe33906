/**
 * A real registry (distribution, the environment's own binary) that authenticates like
 * DigitalOcean's: every request needs a bearer token from a realm, which hands tokens out for
 * basic credentials. The realm is test/support/token-server.ts in this process, standing in for
 * DigitalOcean's token service, which cannot run here.
 *
 *   const registry = await startTokenRegistry({ stateFile: testEnv().stateFile });
 *   await pushTestImage(registry.host, 'fleetplane/agent', 'v1', registry);
 *   ... HEAD http://<registry.host>/v2/fleetplane/agent/manifests/v1 through the token flow ...
 *   await registry.stop();
 *
 * The registry process is recorded in the environment's state file (test/env/extras.ts), so
 * `down` and the reaper stop it if a test never calls `stop()`.
 * Must never listen beyond 127.0.0.1, and never reuse credentials or keys across calls.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startExtra } from '../env/extras.ts';
import { dockerConfigJson, newRegistryAuth } from '../env/registry-auth.ts';
import { REGISTRY_ENV, registryConfigYaml } from '../env/services.ts';
import { artefacts } from '../env/versions.ts';
import { freePort } from './free-port.ts';
import { startTokenServer, type TokenRequest } from './token-server.ts';

export interface TokenRegistry {
  /** host:port, plain HTTP. */
  host: string;
  username: string;
  password: string;
  /** `{"auths":{"<host>":{"auth":"<base64 user:pass>"}}}` for crane, Kaniko or the product's client. */
  dockerConfig: string;
  /** What the registry's challenge names: `Bearer realm="<realm>",service="<service>"`. */
  realm: string;
  service: string;
  /** Every call to the realm so far (scopes asked for, who got a token, status). */
  tokenRequests: TokenRequest[];
  stop(): Promise<void>;
}

export interface TokenRegistryOptions {
  /** The environment's state file (`testEnv().stateFile`), so `down` can stop the registry; null without one. */
  stateFile: string | null;
  /** Defaults to a fresh user `fleetplane-test` with a random password. */
  username?: string;
}

export async function startTokenRegistry(options: TokenRegistryOptions): Promise<TokenRegistry> {
  const auth = newRegistryAuth(options.username);
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  // DigitalOcean's challenge names service="registry.digitalocean.com"; ours names this registry.
  const tokens = await startTokenServer({ auth, service: `fleetplane-test-registry-${port}` });
  try {
    const registry = await startExtra(
      `registry-token-${randomBytes(3).toString('hex')}`,
      options.stateFile,
      async (dir) => {
        const jwks = join(dir, 'jwks.json');
        await writeFile(jwks, tokens.jwks);
        const config = join(dir, 'registry.yaml');
        await writeFile(
          config,
          registryConfigYaml(join(dir, 'data'), port, {
            token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, jwks },
          }),
        );
        return {
          argv: [artefacts().registry, 'serve', config],
          env: REGISTRY_ENV,
          // Without a token /v2/ answers 401 with the Bearer challenge: that is its healthy state.
          health: { url: `http://${host}/v2/`, status: 401 },
        };
      },
    );
    return {
      host,
      username: auth.username,
      password: auth.password,
      dockerConfig: dockerConfigJson(host, auth),
      realm: tokens.realm,
      service: tokens.service,
      tokenRequests: tokens.requests,
      stop: async () => {
        await registry.stop();
        await tokens.close();
      },
    };
  } catch (error) {
    await tokens.close();
    throw error;
  }
}
