/**
 * The fake model as a benchmark's child process: `node fake-model-process.ts <latencyMs>` serves
 * it on a free loopback port, prints `{"baseURL": ...}` once, and runs until killed. Records
 * nothing, so memory stays flat however long a benchmark runs.
 */
import { startFakeLlm } from '../../support/fake-llm.ts';

const fake = await startFakeLlm({ record: false, latencyMs: Number(process.argv[2] ?? 0) });
process.stdout.write(`${JSON.stringify({ baseURL: fake.baseURL })}\n`);
