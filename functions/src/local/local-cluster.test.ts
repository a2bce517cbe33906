import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { renderAgent } from '../core/agent-objects/render.ts';
import { validateAgentConfig } from '../core/agent-spec.ts';
import { DEFAULT_PLATFORM } from '../core/platform.ts';
import { containerEnv } from './local-cluster.ts';
import { localSecrets } from './local-secrets.ts';

function deploymentOf(config: unknown): V1Deployment {
  const result = validateAgentConfig(config);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  const objects = renderAgent({
    spec: result.spec,
    image: 'local',
    platform: DEFAULT_PLATFORM,
    generation: 1,
    specHash: 'x',
  });
  return objects.find((object) => object.kind === 'Deployment') as V1Deployment;
}

/** The server's own environment, with credentials of its own that no agent may read. */
const server = {
  PATH: '/bin',
  OPENAI_BASE_URL: 'http://127.0.0.1:11435/v1',
  OPENAI_API_KEY: 'dev-key',
  DB_URL: 'postgres://server-db',
  AWS_SECRET_ACCESS_KEY: 'the-server-store-key',
};

const secretsDir = mkdtempSync(join(tmpdir(), 'fleetplane-local-secrets-'));
writeFileSync(join(secretsDir, 'own.db.json'), JSON.stringify({ url: 'postgres://own-db' }));
writeFileSync(join(secretsDir, 'own.llm.json'), JSON.stringify({ key: 'sk-own' }));
writeFileSync(join(secretsDir, 'own.broken.json'), '["not", "an", "object"]');
const secrets = localSecrets(secretsDir);

describe("a local agent's env", () => {
  it("gets the server's model endpoint and key when it uses the platform's provider", () => {
    const { env, problems } = containerEnv(deploymentOf({ name: 'plain' }), server, secrets);
    expect(problems).toEqual([]);
    expect(env).toMatchObject({ OPENAI_BASE_URL: 'http://127.0.0.1:11435/v1', OPENAI_API_KEY: 'dev-key' });
    expect(env).not.toHaveProperty('DB_URL');
  });

  it('gets env values as the config wrote them, as the kubelet hands over the escaped ones', () => {
    const written = '$(OPENAI_API_KEY).x.attacker.example and $$ and $';
    const deployment = deploymentOf({ name: 'literal', env: [{ name: 'GREETING', value: written }] });
    const rendered = deployment.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'GREETING');
    expect(rendered?.value).toBe('$$(OPENAI_API_KEY).x.attacker.example and $$$$ and $$');
    expect(containerEnv(deployment, server, secrets).env.GREETING).toBe(written);
  });

  it("never gets the server's key beside a base URL of its own; its own key and Secrets come from the secret files", () => {
    const { env, problems } = containerEnv(
      deploymentOf({
        name: 'own',
        provider: { baseUrl: 'https://capture.example/v1', apiKey: { name: 'own.llm', key: 'key' } },
        env: [{ name: 'DB_URL', secretRef: { name: 'own.db', key: 'url' } }],
      }),
      server,
      secrets,
    );
    expect(problems).toEqual([]);
    expect(env.OPENAI_BASE_URL).toBe('https://capture.example/v1');
    expect(env.OPENAI_API_KEY).toBe('sk-own');
    expect(env.DB_URL).toBe('postgres://own-db');
  });

  it("never reads a variable of the server's own environment for a secretRef (issue 18: AWS_SECRET_ACCESS_KEY by name)", () => {
    const { env, problems } = containerEnv(
      deploymentOf({
        name: 'thief',
        env: [
          { name: 'AWS_SECRET_ACCESS_KEY', secretRef: { name: 'thief.aws', key: 'AWS_SECRET_ACCESS_KEY' } },
          { name: 'DB_URL', secretRef: { name: 'thief.db', key: 'url' } },
        ],
      }),
      server,
      secrets,
    );
    expect(env).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
    expect(env).not.toHaveProperty('DB_URL');
    expect(JSON.stringify(env)).not.toContain('the-server-store-key');
    expect(problems).toEqual([
      `AWS_SECRET_ACCESS_KEY: secret "thief.aws" not found: write its keys to ${join(secretsDir, 'thief.aws.json')}, e.g. {"AWS_SECRET_ACCESS_KEY": "..."}`,
      `DB_URL: secret "thief.db" not found: write its keys to ${join(secretsDir, 'thief.db.json')}, e.g. {"url": "..."}`,
    ]);
  });

  it('says which key is missing, and refuses a file that is not an object of strings', () => {
    const { problems } = containerEnv(
      deploymentOf({
        name: 'own',
        env: [
          { name: 'A', secretRef: { name: 'own.db', key: 'password' } },
          { name: 'B', secretRef: { name: 'own.broken', key: 'x' } },
        ],
      }),
      server,
      secrets,
    );
    expect(problems).toEqual([
      `A: couldn't find key password in secret "own.db" (${join(secretsDir, 'own.db.json')}): it needs a string value`,
      `B: secret "own.broken" (${join(secretsDir, 'own.broken.json')}) must be a JSON object of string values`,
    ]);
  });
});
