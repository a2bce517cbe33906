#!/usr/bin/env node
/** Entry of the `fleetplane` command (Node 24 runs this TypeScript file directly). */
import { main } from '../src/cli/main.ts';

process.exitCode = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
}).catch((error: unknown) => {
  process.stderr.write(`fleetplane: ${(error as Error).message}\n`);
  return 1;
});
