import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { renderAgent } from '../core/agent-objects/render.ts';
import { validateAgentConfig } from '../core/agent-spec.ts';
import { DEFAULT_PLATFORM } from '../core/platform.ts';
import { containerEnv } from './local-cluster.ts';

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

const server = {
  PATH: '/bin',
  OPENAI_BASE_URL: 'http://127.0.0.1:11435/v1',
  OPENAI_API_KEY: 'dev-key',
  DB_URL: 'postgres://db',
};

describe("a local agent's env", () => {
  it("gets the server's model endpoint and key when it uses the platform's provider", () => {
    expect(containerEnv(deploymentOf({ name: 'plain' }), server)).toMatchObject({
      OPENAI_BASE_URL: 'http://127.0.0.1:11435/v1',
      OPENAI_API_KEY: 'dev-key',
    });
  });

  it('gets env values as the config wrote them, as the kubelet hands over the escaped ones', () => {
    const written = '$(OPENAI_API_KEY).x.attacker.example and $$ and $';
    const deployment = deploymentOf({ name: 'literal', env: [{ name: 'GREETING', value: written }] });
    const rendered = deployment.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === 'GREETING');
    expect(rendered?.value).toBe('$$(OPENAI_API_KEY).x.attacker.example and $$$$ and $$');
    expect(containerEnv(deployment, server).GREETING).toBe(written);
  });

  it("never gets the server's key beside a base URL of its own", () => {
    const env = containerEnv(
      deploymentOf({
        name: 'own',
        provider: { baseUrl: 'https://capture.example/v1', apiKey: { name: 'own.llm', key: 'key' } },
        env: [{ name: 'DB_URL', secretRef: { name: 'own.db', key: 'url' } }],
      }),
      server,
    );
    expect(env.OPENAI_BASE_URL).toBe('https://capture.example/v1');
    expect(env).not.toHaveProperty('OPENAI_API_KEY');
    expect(env.DB_URL).toBe('postgres://db');
  });
});
