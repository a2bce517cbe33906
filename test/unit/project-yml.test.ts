/**
 * project.yml gives each DigitalOcean Function only the variables it uses: the public
 * `health` and `templates` get no more than they need, and every function that renders
 * agents gets every platform setting the code reads (recorded by reading them through a proxy).
 * Its triggers have the shape DigitalOcean's deployer documents today (`type: SCHEDULED`,
 * `enabled`, `scheduledDetails: {cron, body}`), not the legacy one it converts and will drop.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { platformSettingsFromEnv } from '../../functions/src/wiring/settings.ts';

interface Project {
  environment?: unknown;
  packages: {
    name: string;
    environment?: unknown;
    functions: { name: string; web?: unknown; environment?: Record<string, string>; triggers?: unknown }[];
  }[];
}

/** A five-field crontab line (minute hour day-of-month month day-of-week), no aliases or seconds. */
const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$/;

/**
 * A trigger as DigitalOcean's functions deployer validates it (the keys name, enabled, type,
 * scheduledDetails; type SCHEDULED; scheduledDetails holding cron and an optional body object),
 * and as the API's create-trigger call takes it. `sourceType`/`sourceDetails` are the legacy
 * shape the deployer only converts, marked for removal: refused here.
 */
const triggerShape = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]*$/),
  enabled: z.boolean().optional(),
  type: z.literal('SCHEDULED'),
  scheduledDetails: z.strictObject({
    cron: z.string().refine((cron) => {
      const fields = cron.trim().split(/\s+/);
      return fields.length === 5 && fields.every((field) => CRON_FIELD.test(field));
    }, 'must be a five-field crontab expression'),
    body: z.record(z.string(), z.unknown()).optional(),
  }),
});
const lintTriggers = (triggers: unknown) => z.array(triggerShape).safeParse(triggers);

const root = new URL('../../', import.meta.url);
const project = parse(readFileSync(new URL('project.yml', root), 'utf8')) as Project;
const functions = Object.fromEntries(
  (project.packages[0]?.functions ?? []).map((fn) => [fn.name, Object.keys(fn.environment ?? {}).sort()]),
);
/** The .env variable each function's variable is templated from (`"${NAME}"`). */
const templates = Object.fromEntries(
  (project.packages[0]?.functions ?? []).map((fn) => [
    fn.name,
    Object.fromEntries(
      Object.entries(fn.environment ?? {}).map(([name, value]) => [name, /^\$\{(\w+)\}$/.exec(value)?.[1]]),
    ),
  ]),
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

  it("gives health the kubeconfig of its own identity, never the control plane's, and every other variable its own name", () => {
    expect(templates.health?.FLEETPLANE_KUBECONFIG_DATA).toBe('FLEETPLANE_HEALTH_KUBECONFIG_DATA');
    for (const [fn, variables] of Object.entries(templates))
      for (const [name, template] of Object.entries(variables))
        if (!(fn === 'health' && name === 'FLEETPLANE_KUBECONFIG_DATA'))
          expect({ fn, name, template }).toEqual({ fn, name, template: name });
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
    const used = new Set(Object.values(templates).flatMap((variables) => Object.values(variables)));
    expect(used.has(undefined)).toBe(false);
    expect([...used].filter((name) => !new RegExp(`^#?\\s*${name}=`, 'm').test(documented))).toEqual([]);
  });

  it('gives the sweep a trigger in the current shape, every minute, enabled, and no other function one', () => {
    const fns = project.packages[0]?.functions ?? [];
    const sweep = fns.find((fn) => fn.name === 'sweep');
    expect(sweep?.web).toBe(false);
    const lint = lintTriggers(sweep?.triggers);
    expect(lint.error?.issues ?? []).toEqual([]);
    expect(lint.data).toEqual([
      {
        name: 'sweep-every-minute',
        type: 'SCHEDULED',
        enabled: true,
        scheduledDetails: { cron: '* * * * *', body: {} },
      },
    ]);
    expect(fns.filter((fn) => fn.triggers !== undefined).map((fn) => fn.name)).toEqual(['sweep']);
  });

  it('the trigger lint refuses the legacy shape and malformed ones', () => {
    const legacy = [{ name: 'sweep', sourceType: 'scheduler', sourceDetails: { cron: '* * * * *' } }];
    expect(lintTriggers(legacy).success).toBe(false);
    const bad = (patch: object) => [
      { name: 'sweep', type: 'SCHEDULED', scheduledDetails: { cron: '* * * * *' }, ...patch },
    ];
    expect(lintTriggers(bad({})).success).toBe(true);
    expect(lintTriggers(bad({ type: 'scheduler' })).success).toBe(false);
    expect(lintTriggers(bad({ scheduledDetails: { cron: '* * * *' } })).success).toBe(false);
    expect(lintTriggers(bad({ scheduledDetails: { cron: '@hourly' } })).success).toBe(false);
    expect(lintTriggers(bad({ scheduledDetails: { cron: '*/5 * * * 1-5', body: 'x' } })).success).toBe(false);
    expect(lintTriggers(bad({ enabled: 'yes' })).success).toBe(false);
  });

  it('.env.example names the runtime image only as `fleetplane image-context` makes it', () => {
    const example = readFileSync(new URL('.env.example', root), 'utf8');
    // image-context tags the image with the first 12 hex digits of the build context's hash.
    const imageContext = /\/agent-runtime:[0-9a-f]{12}$/;
    const values = [...example.matchAll(/^#?\s*FLEETPLANE_RUNTIME_IMAGE=(.*)$/gm)].map((match) =>
      match[1]?.trim(),
    );
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) if (value) expect(value).toMatch(imageContext);
    expect(example).toMatch(/fleetplane image-context/);
  });
});
