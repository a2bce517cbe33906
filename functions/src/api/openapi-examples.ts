/**
 * Examples the OpenAPI document shows beside its schemas (and /docs with it): a config to
 * deploy, what the main routes answer, an invalid config's 422. Plain data, typed by the
 * schemas they illustrate, and checked against the document by openapi.test.ts, so an example
 * cannot drift from what the server answers.
 */
import type { z } from 'zod';
import type { AgentConfigInput } from '../core/agent-config.ts';
import { releasedSecretsOf } from '../core/agent-record.ts';
import type {
  agentStatusSchema,
  deleteResponse,
  deployBatchResponse,
  deploymentsResponse,
  deployResultSchema,
  healthResponse,
  logsResponse,
  problemSchema,
} from './schemas.ts';

const agent: AgentConfigInput = {
  name: 'my-assistant',
  template: 'General Assistant',
  model: 'OpenAI gpt-4o',
  instruction: 'You are a helpful assistant. Answer briefly and precisely.',
  resources: { cpu: '500m', memory: '512Mi' },
  scaling: { replicas: 1 },
  customEndpoints: [{ path: 'review', prompt: 'Review this {{language}} diff: {{diff}}' }],
  logging: 'info',
};

const running: z.infer<typeof agentStatusSchema> = {
  name: 'my-assistant',
  tier: 'dedicated',
  phase: 'Running',
  target: 'kubernetes',
  generation: 1,
  appliedGeneration: 1,
  url: 'https://agents.example.com/my-assistant/',
  image: 'registry.digitalocean.com/fleetplane/agent-runtime:3f9c2a7b1d04@sha256:9b2c…',
  replicas: { desired: 1, ready: 1, updated: 1, available: 1 },
  conditions: [
    {
      type: 'Stored',
      status: 'True',
      reason: 'ConfigStored',
      message: 'generation 1 is stored',
      lastTransitionTime: '2026-05-01T10:00:00.000Z',
    },
    { type: 'Applied', status: 'True', reason: 'UpToDate', message: 'the cluster runs generation 1' },
    { type: 'Degraded', status: 'False', reason: 'PodsHealthy', message: 'no pod reports a failure' },
  ],
  pods: [
    { name: 'my-assistant-7d9f8c6b5-x2x4q', phase: 'Running', ready: true, restarts: 0, node: 'pool-1' },
  ],
};

export const EXAMPLES = {
  deployOne: agent,
  deployBatch: { agents: [agent, { name: 'writer', template: 'Content Writer' }] },
  deployResult: {
    name: 'my-assistant',
    status: 201,
    outcome: 'created',
    generation: 1,
    deployment: {
      ...running,
      phase: 'Deploying',
      replicas: { desired: 1, ready: 0, updated: 1, available: 0 },
    },
  } satisfies z.infer<typeof deployResultSchema>,
  deployBatchResult: {
    results: [
      { name: 'my-assistant', status: 200, outcome: 'unchanged', generation: 1, deployment: running },
      {
        name: 'writer',
        status: 503,
        error: {
          type: 'https://fleetplane.io/problems/unavailable',
          title: 'A dependency is unavailable',
          detail: 'the store did not answer',
        },
      },
    ],
    failed: ['writer'],
  } satisfies z.infer<typeof deployBatchResponse>,
  deployments: { deployments: [running], continue: 'eyJhZnRlciI6Im15LWFzc2lzdGFudCJ9' } satisfies z.infer<
    typeof deploymentsResponse
  >,
  deployment: running,
  deleted: {
    name: 'my-assistant',
    target: 'kubernetes',
    deleted: ['ConfigMap/my-assistant', 'Deployment/my-assistant', 'Service/my-assistant'],
    pending: false,
    releasedSecrets: releasedSecretsOf('my-assistant'),
  } satisfies z.infer<typeof deleteResponse>,
  logs: {
    name: 'my-assistant',
    pods: [
      {
        pod: 'my-assistant-7d9f8c6b5-x2x4q',
        container: 'agent',
        lines: [
          '{"time":"2026-05-01T10:00:02.118Z","level":"info","msg":"request","agent":"my-assistant","method":"POST","path":"/my-assistant/generate","status":200,"durationMs":812}',
        ],
      },
    ],
  } satisfies z.infer<typeof logsResponse>,
  invalid: {
    type: 'https://fleetplane.io/problems/validation',
    title: 'The request is not valid',
    status: 422,
    detail: 'scaling.replicas: must be at least 1 (got 0)',
    instance: '/deploy',
    requestId: '5f0c1c8e-4e0b-4a53-9d7a-0c1d2e3f4a5b',
    errors: [{ path: 'scaling.replicas', message: 'must be at least 1 (got 0)', rule: 'min' }],
  } satisfies z.infer<typeof problemSchema>,
  health: {
    status: 'ok',
    version: '0.1.0',
    checks: {
      store: { ok: true, latencyMs: 12, target: 's3://fleetplane-store' },
      cluster: { ok: true, latencyMs: 31, target: 'https://k8s.example.com' },
    },
  } satisfies z.infer<typeof healthResponse>,
};
