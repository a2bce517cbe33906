/**
 * Node entry of an agent: load the mounted config, build the app with the OpenAI-compatible
 * model from env, listen on HOST:PORT, log one JSON line when listening, drain on SIGTERM.
 * Under a local supervisor (an IPC channel), report the port and exit when the channel closes.
 *
 * This is the file bundled into the image. It must never log OPENAI_API_KEY or key hashes.
 */
import { createAgentApp } from '../app.ts';
import { TOOL_SECRET_ENV_PREFIX } from '../contract.ts';
import { createOpenAiModel } from '../llm/openai-model.ts';
import { createLogger } from '../observability/logger.ts';
import { RUNTIME_VERSION } from '../version.ts';
import { nodeClientAddress } from './client-address.ts';
import { loadConfig } from './load-config.ts';
import { batchedStdout } from './log-sink.ts';
import { createLifecycle, serveAgent } from './serve.ts';
import { type NodeSettings, readSettings } from './settings.ts';
import { stopOnSignals } from './stop-on-signals.ts';

export async function main(env: Record<string, string | undefined> = process.env): Promise<void> {
  const writeLine = batchedStdout();
  let settings: NodeSettings;
  try {
    settings = readSettings(env);
  } catch (err) {
    createLogger('error', writeLine).error('agent settings rejected', { detail: (err as Error).message });
    process.exitCode = 1;
    return;
  }
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig(settings.configPath);
  } catch (err) {
    createLogger('error', writeLine).error('agent config rejected', { detail: (err as Error).message });
    process.exitCode = 1;
    return;
  }
  const log = createLogger(config.logging, writeLine, { agent: config.name });
  if (!settings.openAiApiKey && !settings.openAiBaseUrl)
    log.warn(
      'no model configured: neither OPENAI_API_KEY nor OPENAI_BASE_URL is set; model calls fail at once',
    );
  else if (!settings.openAiApiKey) log.warn('OPENAI_API_KEY is not set; only keyless providers will answer');

  const lifecycle = createLifecycle();
  const app = createAgentApp(config, {
    model: createOpenAiModel({ apiKey: settings.openAiApiKey, baseURL: settings.openAiBaseUrl }),
    apiKeyHashes: settings.apiKeyHashes,
    log: writeLine,
    lifecycle,
    clientAddress: nodeClientAddress(settings.trustedProxies),
    corsOrigins: settings.corsOrigins,
    // Tool credentials: only the FLEETPLANE_TOOL_* variables, which the platform fills from Secrets.
    toolSecrets: (name) => (name.startsWith(TOOL_SECRET_ENV_PREFIX) ? env[name] : undefined),
  });
  const server = await serveAgent(app.fetch, {
    port: settings.port,
    host: settings.host,
    graceMs: settings.shutdownGraceMs,
    lifecycle,
  });
  log.info('listening', {
    host: settings.host,
    port: server.port,
    basePath: config.basePath,
    url: `http://${settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host}:${server.port}${config.basePath}`,
    model: `${config.model.provider} ${config.model.id}`,
    version: RUNTIME_VERSION,
    trustedProxies: settings.trustedProxies.count,
  });

  stopOnSignals(server, { log, graceMs: settings.shutdownGraceMs });
}

await main();
