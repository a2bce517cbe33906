/**
 * The command as a process, before it talks to anything: help for the command and each verb,
 * usage errors (exit 2), and a start-up that loads only the verb table.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { VERBS } from './verbs.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/fleetplane.ts', import.meta.url).pathname;

async function fleetplane(args: string[], node: string[] = []) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...node, bin, ...args], {
      env: { PATH: process.env.PATH, FLEETPLANE_URL: 'http://127.0.0.1:9' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('fleetplane --help', () => {
  it('lists every verb and the exit codes, on stdout, with exit 0', async () => {
    const { code, stdout } = await fleetplane(['--help']);
    expect(code).toBe(0);
    for (const verb of Object.keys(VERBS)) expect(stdout).toMatch(new RegExp(`^  ${verb} `, 'm'));
    expect(stdout).toMatch(/^ {2}0 {4}done$/m);
    expect(stdout).toMatch(/^ {2}3 {4}the control plane could not be used/m);
    expect(stdout).toContain('FLEETPLANE_TOKEN');
  });

  it('has help for each verb, with its usage line', async () => {
    for (const verb of Object.keys(VERBS)) {
      const { code, stdout } = await fleetplane([verb, '--help']);
      expect(code, verb).toBe(0);
      expect(stdout.split('\n')[0]).toBe(`Usage: ${VERBS[verb]?.usage}`);
    }
    expect((await fleetplane(['help', 'logs'])).stdout).toContain('--follow');
  });

  it('loads only the verb table to print help: no ky, zod, yaml or core', async () => {
    const hook = `data:text/javascript,${encodeURIComponent(
      `import { registerHooks } from 'node:module';
       const seen = [];
       registerHooks({ resolve(s, c, next) { const r = next(s, c); seen.push(r.url); return r; } });
       process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify(seen)));`,
    )}`;
    const { code, stderr } = await fleetplane(['--help'], ['--import', hook]);
    expect(code).toBe(0);
    const loaded: string[] = JSON.parse(stderr.slice(stderr.indexOf('LOADED ') + 7));
    const ours = loaded
      .filter((url) => url.startsWith('file:'))
      .map((url) => url.replace(/^.*\/functions\//, ''));
    expect([...new Set(ours)].sort()).toEqual([
      'bin/fleetplane.ts',
      'src/cli/errors.ts',
      'src/cli/exit-codes.ts',
      'src/cli/main.ts',
      'src/cli/verbs.ts',
    ]);
    const started = performance.now();
    for (let i = 0; i < 5; i++) await fleetplane(['--help']);
    console.log(
      `fleetplane --help: ${Math.round((performance.now() - started) / 5)} ms per run (process start included)`,
    );
  });
});

describe('usage errors exit 2 and point at the help', () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /unknown command "frobnicate" \(see 'fleetplane --help'\)/],
    [['deplyo'], /unknown command "deplyo"; did you mean "deploy"\? \(see 'fleetplane --help'\)/],
    [['stauts', 'a'], /unknown command "stauts"; did you mean "status"\?/],
    [['help', 'rolback'], /unknown command "rolback"; did you mean "rollback"\?/],
    [['deploy'], /missing <file\.json>: fleetplane deploy <file\.json>/],
    [['status', 'a', 'b'], /unexpected argument "b"/],
    [['deploy', 'x.json', '--wiat'], /unknown flag --wiat \(see 'fleetplane deploy --help'\)/],
    [['list', '-o', 'xml'], /-o must be json or yaml \(got "xml"\)/],
    [
      ['deploy', 'x.json', '--timeout', 'soon'],
      /--timeout must be a duration such as 90s, 5m or 1h30m \(got "soon"\)/,
    ],
    [['logs', 'a', '--tail', '-3'], /--tail/],
    [
      ['list', '--url', 'ftp://example.com'],
      /--url \(or FLEETPLANE_URL\) must be an http:\/\/ or https:\/\/ URL/,
    ],
  ];
  for (const [args, message] of cases)
    it(`fleetplane ${args.join(' ')}`, async () => {
      const { code, stdout, stderr } = await fleetplane(args);
      expect(stderr).toMatch(message);
      expect(code).toBe(2);
      expect(stdout).toBe('');
    });

  it('with no arguments prints the help on stderr', async () => {
    const { code, stderr } = await fleetplane([]);
    expect(code).toBe(2);
    expect(stderr).toContain('Usage: fleetplane <command>');
  });
});
