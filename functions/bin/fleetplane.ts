#!/usr/bin/env node
/**
 * Entry of the `fleetplane` command (Node 24 runs this TypeScript file directly). Wires the
 * command to this process: streams, environment, terminal, and Ctrl-C (the first one ends a
 * wait or a follow cleanly; a second one exits at once).
 */
import { main } from '../src/cli/main.ts';

const interrupt = new AbortController();
process.on('SIGINT', () => {
  if (interrupt.signal.aborted) process.exit(130);
  interrupt.abort(Object.assign(new Error('interrupted'), { name: 'Interrupted' }));
});

process.exitCode = await main(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  stderrIsTTY: process.stderr.isTTY === true,
  columns: process.stderr.columns,
  signal: interrupt.signal,
});
