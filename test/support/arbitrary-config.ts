/**
 * fast-check generators of valid agent configs, covering every optional field, for property
 * tests (render never throws, names stay DNS labels) and for the API-server dry-run test.
 */
import fc from 'fast-check';
import { RESERVED_AGENT_NAMES } from '../../functions/src/core/agent-config.ts';
import { credentialInValue, SECRET_LOOKING_NAME } from '../../functions/src/core/inline-secrets.ts';
import { reservedEnvRule } from '../../functions/src/core/reserved-env.ts';
import { TEMPLATE_NAMES } from '../../functions/src/core/templates.ts';

export const agentNameArb = fc
  .stringMatching(/^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/)
  .filter((name) => !RESERVED_AGENT_NAMES.includes(name));

const cpuArb = fc.constantFrom('50m', '100m', '250m', '500m', '1', '1.5', '2');
const memoryArb = fc.constantFrom('64Mi', '128Mi', '256Mi', '512Mi', '1Gi', '1.5Gi', '2G');
const pathSegment = fc
  .stringMatching(/^[a-z][a-z0-9_-]{0,10}$/)
  .filter((s) => !['health', 'ready', 'generate', 'metrics', 'v1'].includes(s));

const scalingArb = fc.oneof(
  fc.record({ replicas: fc.integer({ min: 1, max: 5 }), autoscale: fc.constant(false) }),
  fc
    .tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 100 }))
    .map(([min, extra, target]) => ({
      autoscale: true,
      min_replicas: min,
      max_replicas: min + extra,
      target_cpu_percentage: target,
    })),
);

const customEndpointsArb = fc.uniqueArray(pathSegment, { maxLength: 4 }).chain((paths) =>
  fc.tuple(
    ...paths.map((path) =>
      fc.oneof(
        fc.constant(path),
        fc.record(
          {
            path: fc.constant(path),
            method: fc.constantFrom('POST', 'GET'),
            prompt: fc.constantFrom(
              'Summarise {{input}}',
              'Translate {{text}} into {{language}}.',
              'Answer briefly.',
            ),
            temperature: fc.double({ min: 0, max: 2, noNaN: true }),
          },
          { requiredKeys: ['path'] },
        ),
      ),
    ),
  ),
);

/** Env items of agent `agent`: names no rule reserves, secretRefs to the agent's own Secrets only. */
const envArb = (agent: string) =>
  fc
    .uniqueArray(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,15}$/), { maxLength: 4 })
    .map((names) => names.filter((name) => !SECRET_LOOKING_NAME.test(name) && !reservedEnvRule(name)))
    .chain((names) =>
      fc.tuple(
        ...names.map((name) =>
          fc.oneof(
            fc.record({
              name: fc.constant(name),
              value: fc.string({ maxLength: 20 }).filter((value) => !credentialInValue(value)),
            }),
            fc.record({
              name: fc.constant(name),
              secretRef: fc.record({
                name: fc.constantFrom(`${agent}.secrets`, `${agent}.db.creds`),
                key: fc.constantFrom('url', 'API_TOKEN'),
              }),
            }),
          ),
        ),
      ),
    );

/** A provider of the agent's own: a base URL of its choice always comes with its own key. */
const providerArb = (agent: string) =>
  fc.record(
    {
      baseUrl: fc.constantFrom('https://api.openai.com/v1', 'https://models.example.net:8443/v1'),
      apiKey: fc.constant({ name: `${agent}.llm`, key: 'api-key' }),
    },
    { requiredKeys: ['apiKey'] },
  );

export const agentConfigArb = agentNameArb.chain((name) =>
  fc.record(
    {
      name: fc.constant(name),
      template: fc.constantFrom(...TEMPLATE_NAMES),
      model: fc.constantFrom(
        'OpenAI gpt-4o',
        'OpenAI gpt-4o-mini',
        'DigitalOcean llama3.3-70b-instruct',
        'gpt-4.1',
      ),
      instruction: fc.string({ maxLength: 200 }),
      temperature: fc.double({ min: 0, max: 2, noNaN: true }),
      resources: fc.record({ cpu: cpuArb, memory: memoryArb }, { requiredKeys: [] }),
      scaling: scalingArb,
      endpoints: fc.subarray(['generate', 'chat'] as const),
      customEndpoints: customEndpointsArb,
      env: envArb(name),
      logging: fc.constantFrom('debug', 'info', 'warn', 'error'),
      cloud: fc.constant('DigitalOcean'),
      integrations: fc.constant({}),
      provider: providerArb(name),
      auth: fc.constant({ apiKeyHashes: { name: `${name}.keys`, key: 'hashes' } }),
    },
    { requiredKeys: ['name'] },
  ),
);
