/**
 * project.yml gives each DigitalOcean Function only the variables it uses: the public
 * `health` and `templates` get no more than they need, and every function that renders
 * agents gets every platform setting the code reads (recorded by reading them through a proxy).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { platformSettingsFromEnv } from '../../functions/src/wiring/settings.ts';

interface Project {
  environment?: unknown;
  packages: {
    name: string;
    environment?: unknown;
    functions: { name: string; environment?: Record<string, string> }[];
  }[];
}

const root = new URL('../../', import.meta.url);
const project = parse(readFileSync(new URL('project.yml', root), 'utf8')) as Project;
const functions = Object.fromEntries(
  (project.packages[0]?.functions ?? []).map((fn) => [fn.name, Object.keys(fn.environment ?? {}).sort()]),
);

const STORE = [
  'FLEETPLANE_STORE',
  'FLEETPLANE_S3_ENDPOINT',
  'FLEETPLANE_S3_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
];
const CLUSTER = ['FLEETPLANE_KUBECONFIG_DATA'];
const CREDENTIALS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'FLEETPLANE_KUBECONFIG_DATA'];

/** Every variable platformSettingsFromEnv reads. */
function platformSettingNames(): string[] {
  const read = new Set<string>();
  platformSettingsFromEnv(
    new Proxy({} as Record<string, string | undefined>, {
      get: (_, name) => {
        read.add(String(name));
        return undefined;
      },
    }),
  );
  return [...read];
}

describe('project.yml', () => {
  it('sets no environment for the whole project or package: each function lists its own', () => {
    expect(project.environment).toBeUndefined();
    expect(project.packages.map((pkg) => pkg.environment)).toEqual([undefined]);
    expect(Object.keys(functions).sort()).toEqual([
      'console',
      'deploy',
      'deployments',
      'gc',
      'health',
      'sweep',
      'templates',
    ]);
    // gc reads and deletes what deploy builds: it has what deploy has.
    expect(functions.gc).toEqual(functions.deploy);
  });

  it('gives templates the token hashes alone, the console the public address of agents alone, and health the store and the cluster without the token hashes', () => {
    expect(functions.templates).toEqual(['FLEETPLANE_API_TOKEN_HASHES', 'FLEETPLANE_LOG_LEVEL']);
    expect(functions.console).toEqual(['FLEETPLANE_DOMAIN', 'FLEETPLANE_LOG_LEVEL', 'FLEETPLANE_PUBLIC_URL']);
    expect(functions.health).toEqual([...STORE, ...CLUSTER, 'FLEETPLANE_LOG_LEVEL'].sort());
  });

  it('gives credentials only to the functions that reach the store and the cluster', () => {
    for (const [name, variables] of Object.entries(functions))
      expect({ name, credentials: variables?.filter((v) => CREDENTIALS.includes(v)) }).toEqual({
        name,
        credentials: name === 'templates' || name === 'console' ? [] : [...CREDENTIALS].sort(),
      });
  });

  it('gives deploy, deployments and sweep every platform setting the code reads', () => {
    const settings = platformSettingNames();
    expect(settings).toContain('FLEETPLANE_MAX_CPU_REQUEST');
    for (const name of ['deploy', 'deployments', 'sweep'])
      expect({ name, missing: settings.filter((v) => !functions[name]?.includes(v)) }).toEqual({
        name,
        missing: [],
      });
  });

  it('templates only variables that .env.example documents', () => {
    const documented = readFileSync(new URL('.env.example', root), 'utf8');
    const used = new Set(Object.values(functions).flat());
    expect([...used].filter((name) => !new RegExp(`^#?\\s*${name}=`, 'm').test(documented))).toEqual([]);
  });
});
