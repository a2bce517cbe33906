/**
 * The command as an installable package (`npm run pack:cli`): packed, installed into an empty
 * prefix as a user would (`npm install -g`), and run from there, outside the checkout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packCli } from '../../functions/cli-package.ts';
import { scratchDir } from '../support/scratch.ts';

const example = new URL('../../examples/single_agent.json', import.meta.url).pathname;

describe('the fleetplane-cli package', () => {
  it('installs with no dependencies and runs outside the checkout', async () => {
    const { tarball } = await packCli();
    const prefix = await scratchDir('fleetplane-cli-prefix-');
    execFileSync(
      'npm',
      ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--offline', tarball],
      {
        stdio: 'pipe',
      },
    );
    const elsewhere = await scratchDir('fleetplane-cli-cwd-');
    const run = (...args: string[]) =>
      spawnSync(join(prefix, 'bin', 'fleetplane'), args, {
        cwd: elsewhere,
        encoding: 'utf8',
        env: { PATH: `${dirname(process.execPath)}:${process.env.PATH}`, HOME: elsewhere },
      });
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: fleetplane <command>/m);
    expect(run('validate', example).stdout).toBe(`${example}: valid\n`);
    expect(run('render', example, '-o', 'json').stdout).toContain('"kind": "Deployment"');
    const unreachable = run('list', '--url', 'http://127.0.0.1:9');
    expect(unreachable.status).toBe(3);
    expect(unreachable.stderr).toMatch(/cannot reach the control plane at http:\/\/127\.0\.0\.1:9/);
    const context = run('image-context');
    expect(context.status).toBe(1);
    expect(context.stderr).toMatch(/run it in a checkout of fleetplane/);
  }, 60_000);
});
