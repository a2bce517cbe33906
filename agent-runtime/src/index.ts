/**
 * Public surface of the agent runtime: the app factory, its dependency types, the model
 * adapter, and the contract the control plane imports. Nothing here touches Node APIs.
 */

export type { Lifecycle } from './agent-runtime.ts';
export { createAgentApp } from './app.ts';
export * from './contract.ts';
export type { AgentDeps } from './deps.ts';
export { parseKeyHashes } from './http/api-key.ts';
export type { ChatModel } from './llm/model-port.ts';
export { createOpenAiModel } from './llm/openai-model.ts';
export { RUNTIME_VERSION } from './version.ts';
