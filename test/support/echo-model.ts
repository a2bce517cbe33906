/**
 * `npm run model:echo`: an OpenAI-compatible stand-in model on 127.0.0.1 (PORT, default 11435)
 * that answers with your own prompt, so the quick start works with no provider and no key.
 * It calls tools the prompt names (fake-tool-calls.ts) and serves the quick start's demo tools
 * (demo-tools.ts: an HTTP API and an MCP server). It is the same server the tests use; it
 * never listens beyond loopback.
 */
import { demoTools } from './demo-tools.ts';
import { startFakeLlm } from './fake-llm.ts';

const port = Number(process.env.PORT || 11435);
const llm = await startFakeLlm({ port, record: false, routes: demoTools });
const origin = llm.baseURL.replace(/\/v1$/, '');
console.log(`echo model listening: OPENAI_BASE_URL=${llm.baseURL} (any OPENAI_API_KEY)`);
console.log(`demo tools: ${origin}/demo/weather?city=<city> (HTTP), ${origin}/demo/mcp (MCP)`);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void llm.close().then(() => process.exit(0)));
