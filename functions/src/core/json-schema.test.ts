/**
 * The config's JSON Schema states the cross-field rules JSON Schema can state, so an editor
 * refuses what the API refuses: each case is refused by the API's own validator and by the
 * schema (ajv, draft 2020-12), and the examples pass both.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { validateAgentConfig } from './agent-spec.ts';
import { agentConfigJsonSchema } from './json-schema.ts';

const ajv = new Ajv2020({ strict: false, allErrors: true });
const schemaAccepts = ajv.compile(agentConfigJsonSchema());
const apiAccepts = (config: unknown) => validateAgentConfig(config).ok;

const base = { name: 'rules' };
const refused: [string, object][] = [
  ['provider: {} (neither baseUrl nor apiKey)', { provider: {} }],
  [
    'an env item with both value and secretRef',
    { env: [{ name: 'A', value: 'x', secretRef: { name: 'rules.s', key: 'k' } }] },
  ],
  ['an env item with neither value nor secretRef', { env: [{ name: 'A' }] }],
  ['a reserved env name, in any case', { env: [{ name: 'node_options', value: '--inspect' }] }],
  ['a reserved prefix', { env: [{ name: 'FLEETPLANE_STORE', value: 'x' }] }],
  ['a reserved suffix', { env: [{ name: 'https_proxy', value: 'http://proxy:3128' }] }],
  ['an inline value under a secret-looking name', { env: [{ name: 'db_password', value: 'hunter2' }] }],
  ['"chat" with openaiCompatible false', { openaiCompatible: false, endpoints: ['generate', 'chat'] }],
];

describe('the JSON Schema states the cross-field rules', () => {
  for (const [what, extra] of refused)
    it(`refuses ${what}, as the API does`, () => {
      const config = { ...base, ...extra };
      expect(apiAccepts(config)).toBe(false);
      expect(schemaAccepts(config)).toBe(false);
    });

  it('accepts what the API accepts next to those rules, and every example', () => {
    const accepted: object[] = [
      { provider: { baseUrl: 'https://api.example.net/v1', apiKey: { name: 'rules.llm', key: 'key' } } },
      { provider: { apiKey: { name: 'rules.llm', key: 'key' } } },
      {
        env: [
          { name: 'DB_PASSWORD', secretRef: { name: 'rules.db', key: 'pw' } },
          { name: 'TZ', value: 'UTC' },
        ],
      },
      { env: [{ name: 'NODEJS_FLAVOUR', value: 'plain' }] },
      { openaiCompatible: false, endpoints: ['generate'] },
      { openaiCompatible: true, endpoints: ['generate', 'chat'] },
    ];
    for (const extra of accepted) {
      const config = { ...base, ...extra };
      expect({ config, api: apiAccepts(config), schema: schemaAccepts(config) }).toEqual({
        config,
        api: true,
        schema: true,
      });
    }
    for (const file of ['single_agent.json', 'deploy_multiple_agents.json']) {
      const example = JSON.parse(readFileSync(new URL(`../../../examples/${file}`, import.meta.url), 'utf8'));
      for (const config of example.agents ?? [example]) expect(schemaAccepts(config), file).toBe(true);
    }
  });
});
