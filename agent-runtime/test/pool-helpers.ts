/**
 * Test harness for the pool: the real pool runtime (createPoolRuntime, so createAgentApp for each
 * agent) with the openai SDK adapter in front of the fake model, served over node:http on
 * loopback exactly as the pool's Node entry serves it. Configs are fed as a source would.
 */
import { type FakeLlm, startFakeLlm } from '../../test/support/fake-llm.ts';
import type { RuntimeConfig } from '../src/contract.ts';
import { createOpenAiModel } from '../src/llm/openai-model.ts';
import { nodeClientAddress, TrustedProxies } from '../src/node/client-address.ts';
import { createLifecycle, serveAgent } from '../src/node/serve.ts';
import type { PooledConfig } from '../src/pool/contract.ts';
import type { FairnessLimits } from '../src/pool/fair-scheduler.ts';
import { createPoolRuntime, type PoolRuntime } from '../src/pool/pool-runtime.ts';
import { agentConfig } from './helpers.ts';

export interface TestPool {
  url: string;
  runtime: PoolRuntime;
  fake: FakeLlm;
  logs: string[];
  load(config: RuntimeConfig, generation?: number, version?: string): void;
  close(): Promise<void>;
}

/** A runtime config for agent `name`, served at `/<name>`. */
export const pooledAgent = (name: string, overrides: Partial<RuntimeConfig> = {}): RuntimeConfig =>
  agentConfig({ name, basePath: `/${name}`, ...overrides });

export const pooledConfig = (config: RuntimeConfig, generation = 1, version = '1'): PooledConfig => ({
  name: config.name,
  generation,
  version,
  configJson: JSON.stringify(config),
});

export async function startPool(
  configs: RuntimeConfig[] = [],
  opts: { fake?: FakeLlm; fairness?: Partial<FairnessLimits> } = {},
): Promise<TestPool> {
  const fake = opts.fake ?? (await startFakeLlm({ apiKey: 'sk-test' }));
  const logs: string[] = [];
  const lifecycle = createLifecycle();
  const runtime = createPoolRuntime({
    model: createOpenAiModel({ apiKey: 'sk-test', baseURL: fake.baseURL }),
    log: (line) => logs.push(line),
    lifecycle,
    keepAliveMs: 50,
    clientAddress: nodeClientAddress(new TrustedProxies(undefined)),
    ...(opts.fairness ? { fairness: opts.fairness } : {}),
  });
  for (const config of configs) runtime.pool.upsert(pooledConfig(config));
  runtime.markSynced();
  const server = await serveAgent(runtime.fetch, { port: 0, host: '127.0.0.1', graceMs: 1_000, lifecycle });
  return {
    url: `http://127.0.0.1:${server.port}`,
    runtime,
    fake,
    logs,
    load: (config, generation = 1, version = String(generation)) =>
      runtime.pool.upsert(pooledConfig(config, generation, version)),
    close: async () => {
      await server.shutdown();
      if (!opts.fake) await fake.close();
    },
  };
}
